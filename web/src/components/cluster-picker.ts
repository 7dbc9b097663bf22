import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { useApi } from '../hooks.ts';
import type { SnapshotDate } from '../lib/url-state.ts';
import { Popover } from './popover.ts';

interface ClusterList {
  items: { cluster: string; kind?: string }[];
}

/** One, several or all clusters. The choice lives in the URL (`cluster=a,b`) and follows every link. */
export function ClusterPicker(props: { date: SnapshotDate; value: string[]; onChange: (clusters: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const list = useApi<ClusterList>('/inventory/clusters', {
    date: String(props.date),
    fields: 'cluster,kind',
    limit: 1000,
  });
  const names = [...new Set([...(list.data?.items ?? []).map((c) => c.cluster), ...props.value])].sort();
  const chosen = new Set(props.value);
  const label =
    props.value.length === 0
      ? 'All clusters'
      : props.value.length <= 2
        ? props.value.join(', ')
        : `${props.value.length} clusters`;
  const toggle = (name: string) => {
    const next = new Set(chosen);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    // Every cluster ticked is the same as "all": keep the URL short.
    props.onChange(next.size === names.length ? [] : [...next].sort());
  };
  return html`<${Popover}
    open=${open}
    onClose=${() => setOpen(false)}
    label="Clusters"
    button=${html`<button
      type="button"
      class="btn picker popover-anchor"
      aria-haspopup="dialog"
      aria-expanded=${open}
      onClick=${() => setOpen(!open)}
      data-testid="cluster-picker"
    >
      <span class="picker-label">Clusters</span>
      <span class="picker-value">${label}</span>
    </button>`}
  >
    <div class="checklist">
      <label class="check">
        <input type="checkbox" checked=${props.value.length === 0} onChange=${() => props.onChange([])} />
        <span>All clusters</span>
      </label>
      ${names.map(
        (n) => html`<div class="check-row" key=${n}>
          <label class="check">
            <input type="checkbox" checked=${props.value.length === 0 || chosen.has(n)} onChange=${() =>
              props.value.length === 0 ? props.onChange(names.filter((x) => x !== n)) : toggle(n)} />
            <span>${n}</span>
          </label>
          <button type="button" class="link-btn small" onClick=${() => {
            props.onChange([n]);
            setOpen(false);
          }}>only</button>
        </div>`,
      )}
      ${list.loading && html`<p class="muted small">Loading clusters…</p>`}
      ${list.error && html`<p class="error-text small">${list.error.message}</p>`}
    </div>
  <//>`;
}
