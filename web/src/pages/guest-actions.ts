import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post } from '../api.ts';
import { Badge } from '../components/common.ts';
import { ConfirmDialog } from '../components/dialog.ts';
import { type Task, TaskProgress } from '../components/task-progress.ts';
import { errorText, useApi } from '../hooks.ts';

type Obj = Record<string, unknown>;

export const ACTIONS = ['start', 'shutdown', 'reboot', 'stop', 'reset', 'suspend', 'resume', 'migrate'] as const;
export type Action = (typeof ACTIONS)[number];

const LABEL: Record<Action, string> = {
  start: 'Start',
  shutdown: 'Shut down',
  reboot: 'Reboot',
  stop: 'Stop',
  reset: 'Reset',
  suspend: 'Suspend',
  resume: 'Resume',
  migrate: 'Migrate…',
};

const EXPLAIN: Record<Action, string> = {
  start: 'Starts the guest.',
  shutdown: 'Asks the guest operating system to shut down cleanly.',
  reboot: 'Asks the guest operating system to restart.',
  stop: 'Stops the guest at once, like pulling the power cord. Unsaved data in the guest is lost.',
  reset: 'Resets the virtual machine at once, like pressing its reset button. Unsaved data is lost.',
  suspend: 'Pauses the guest; it keeps its memory and can be resumed.',
  resume: 'Resumes a paused or suspended guest.',
  migrate: 'Moves the guest to another node of its cluster.',
};

/** The actions Proxmox accepts for a guest of this type in this state (containers have no reset). */
export function actionsFor(type: string, status: string): Action[] {
  const base: Action[] =
    status === 'running'
      ? ['shutdown', 'reboot', 'stop', 'reset', 'suspend', 'migrate']
      : status === 'paused' || status === 'suspended'
        ? ['resume', 'stop']
        : status === 'stopped'
          ? ['start', 'migrate']
          : ['start', 'shutdown', 'stop', 'resume'];
  return base.filter((a) => !(type === 'lxc' && a === 'reset'));
}

interface Running {
  taskId: string;
  label: string;
}

/** Action buttons, a confirmation for each, then the task followed live until it ends. */
export function GuestActions(props: { guest: Obj; date: number | null }) {
  const g = props.guest;
  const uid = String(g.uid);
  const [pending, setPending] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tasks, setTasks] = useState<Running[]>([]);
  const [finished, setFinished] = useState<Task | null>(null);
  const [target, setTarget] = useState('');
  const [online, setOnline] = useState(g.status === 'running');
  const nodes = useApi<{ items: Obj[] }>(pending === 'migrate' ? '/inventory/nodes' : null, {
    date: 'last',
    cluster: String(g.cluster),
    fields: 'node,online,status',
    limit: 1000,
  });
  const targets = (nodes.data?.items ?? [])
    .filter((n) => n.node !== g.node)
    .map((n) => ({ node: String(n.node), online: n.online !== false }));

  const run = async () => {
    if (!pending) return;
    if (pending === 'migrate' && !target) {
      setError('Choose the node to migrate to.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = pending === 'migrate' ? { target, online } : {};
      const r = await post<{ taskId: string; upid?: string }>(
        `/guests/${encodeURIComponent(uid)}/actions/${pending}`,
        body,
      );
      const label = `${LABEL[pending].replace('…', '')} ${String(g.name ?? g.vmid)}${pending === 'migrate' ? ` to ${target}` : ''}`;
      setTasks((t) => [{ taskId: r.taskId, label }, ...t]);
      setPending(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const available = actionsFor(String(g.type), String(g.status));
  return html`<div class="actions">
    <div class="btn-row" role="group" aria-label="Guest actions">
      ${ACTIONS.filter((a) => available.includes(a)).map(
        (a) => html`<button
          type="button"
          class=${`btn ${a === 'stop' || a === 'reset' ? 'danger-outline' : ''}`}
          key=${a}
          onClick=${() => {
            setError(null);
            setTarget('');
            setPending(a);
          }}
          data-action=${a}
        >
          ${LABEL[a]}
        </button>`,
      )}
    </div>
    <p class="muted small">
      Actions apply to the guest as it is now; the status above is from the snapshot of the chosen date.
    </p>
    ${
      pending &&
      html`<${ConfirmDialog}
      title=${`${LABEL[pending].replace('…', '')} ${String(g.name ?? '')} (${String(g.vmid)})?`}
      confirmLabel=${LABEL[pending].replace('…', '')}
      danger=${pending === 'stop' || pending === 'reset'}
      busy=${busy}
      onConfirm=${run}
      onCancel=${() => setPending(null)}
    >
      <p>${EXPLAIN[pending]}</p>
      <p class="muted small">Cluster <strong>${String(g.cluster)}</strong>, node <strong>${String(g.node)}</strong>.</p>
      ${
        pending === 'migrate' &&
        html`<label class="field">
          <span>Target node</span>
          <select value=${target} onChange=${(e: Event) => setTarget((e.target as HTMLSelectElement).value)} required>
            <option value="">Choose a node…</option>
            ${targets.map((t) => html`<option value=${t.node} disabled=${!t.online}>${t.node}${t.online ? '' : ' (offline)'}</option>`)}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked=${online} onChange=${(e: Event) => setOnline((e.target as HTMLInputElement).checked)} />
          <span>Online (live) migration</span>
        </label>`
      }
      ${error && html`<p class="error-text" role="alert">${error}</p>`}
    <//>`
    }
    ${tasks.map(
      (t) =>
        html`<${TaskProgress} key=${t.taskId} taskId=${t.taskId} label=${t.label} onDone=${(task: Task) => setFinished(task)} />`,
    )}
    ${
      finished &&
      html`<p class="small muted">
      <${Badge} value=${finished.ok === false ? 'failed' : 'done'} /> The next crawl will show the guest's new state.
    </p>`
    }
  </div>`;
}
