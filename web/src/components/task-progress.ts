import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { errorText } from '../hooks.ts';
import { duration, toEpochSeconds } from '../lib/format.ts';
import { Badge } from './common.ts';

export interface Task {
  taskId: string;
  cluster?: string;
  node?: string;
  upid?: string;
  action?: string;
  status: 'running' | 'stopped';
  ok?: boolean;
  exitStatus?: string;
  startedAt?: string | number;
  finishedAt?: string | number;
}

/** Follows a task by polling GET /tasks/{id} every second until Proxmox reports it stopped. */
export function TaskProgress(props: { taskId: string; label: string; onDone?: (t: Task) => void }) {
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const t = await get<Task>(`/tasks/${encodeURIComponent(props.taskId)}`);
        if (stop) return;
        setTask(t);
        setError(null);
        if (t.status === 'stopped') {
          props.onDone?.(t);
          return;
        }
      } catch (e) {
        if (stop) return;
        setError(errorText(e));
      }
      timer = setTimeout(poll, 1000);
    };
    poll();
    const tick = setInterval(() => setNow(Date.now()), 500);
    return () => {
      stop = true;
      clearTimeout(timer);
      clearInterval(tick);
    };
  }, [props.taskId]);

  const started = toEpochSeconds(task?.startedAt);
  const finished = toEpochSeconds(task?.finishedAt);
  const elapsed = started ? ((finished ?? now / 1000) - started) * 1000 : null;
  const done = task?.status === 'stopped';
  const ok = done && task?.ok !== false;
  return html`<div class=${`task ${done ? (ok ? 'ok' : 'bad') : 'running'}`} role="status" aria-live="polite" data-testid="task">
    <div class="task-head">
      <strong>${props.label}</strong>
      ${done ? html`<${Badge} value=${ok ? 'OK' : 'failed'} tone=${ok ? 'ok' : 'bad'} />` : html`<${Badge} value="running" tone="warn" />`}
    </div>
    ${!done && html`<div class="progress indeterminate" aria-hidden="true"><span></span></div>`}
    <p class="small">
      ${done ? `Finished: ${task?.exitStatus ?? (ok ? 'OK' : 'failed')}` : 'Running on Proxmox…'}
      ${elapsed !== null && ` · ${duration(Math.max(0, elapsed))}`}
      ${task?.node && ` · node ${task.node}`}
    </p>
    ${task?.upid && html`<p class="small muted mono">${task.upid}</p>`}
    ${error && html`<p class="error-text small">${error}</p>`}
  </div>`;
}
