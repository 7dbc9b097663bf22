import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import { ClusterPicker } from '../components/cluster-picker.ts';
import { Empty, ErrorBox, Loading } from '../components/common.ts';
import { DatePicker, useLatestDate } from '../components/date-picker.ts';
import { useApi, useView } from '../hooks.ts';
import { DIFF_GROUPS, filterDiff, groupDiff } from '../lib/diff.ts';
import { count, dateTime } from '../lib/format.ts';
import { parseDate, withParams } from '../lib/url-state.ts';
import { hrefWithScope, Link, navigate, useLocation } from '../router.ts';

/**
 * What changed between two snapshots: guests created, deleted, migrated and changed, disks, storage use and
 * backups, grouped, each group switchable, all filterable by text. Dates, clusters and the filter are in the URL.
 */
export function ComparePage() {
  const loc = useLocation();
  const [view, setView] = useView();
  const params = new URLSearchParams(loc.search);
  const latest = useLatestDate();
  const recent = useApi<{ items: { date: number; status: string }[] }>('/snapshots', { limit: 10 });
  const readable = (recent.data?.items ?? []).filter((s) => s.status !== 'failed' && s.status !== 'running');
  const to = parseDate(params.get('to'));
  const toDate = to === 'last' ? (latest ?? readable[0]?.date ?? null) : to;
  const fromParam = parseDate(params.get('from'));
  const fromDate =
    fromParam === 'last' ? (readable.find((s) => toDate !== null && s.date < toDate)?.date ?? null) : fromParam;
  const text = params.get('q') ?? '';
  const hidden = new Set((params.get('hide') ?? '').split(',').filter(Boolean));
  const shown = new Set(DIFF_GROUPS.map((g) => g.id).filter((id) => !hidden.has(id)));

  const set = (p: Record<string, string | number | null>, replace = false) =>
    navigate(loc.path + withParams(loc.search, p), { replace });

  const diff = useApi<Record<string, unknown>>(fromDate && toDate ? '/diff' : null, {
    from: fromDate ?? undefined,
    to: toDate ?? undefined,
    cluster: view.clusters.length ? view.clusters.join(',') : undefined,
  });
  const groups = useMemo(() => (diff.data ? groupDiff(diff.data) : []), [diff.data]);
  const filtered = useMemo(() => filterDiff(groups, text, shown), [groups, text, [...hidden].join(',')]);
  const totalShown = filtered.reduce((n, g) => n + g.rows.length, 0);

  const toggleGroup = (id: string) => {
    const next = new Set(hidden);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    set({ hide: [...next].join(',') || null }, true);
  };

  return html`<div class="page compare">
    <div class="page-head"><h1>Compare dates</h1></div>
    <div class="toolbar">
      <${DatePicker} label="From" id="compare-from" value=${fromDate ?? 'last'} latest=${latest} allowLatest=${false} onChange=${(d: number | 'last') => set({ from: d === 'last' ? null : d })} />
      <span aria-hidden="true">→</span>
      <${DatePicker} label="To" id="compare-to" value=${to} latest=${latest} onChange=${(d: number | 'last') => set({ to: d === 'last' ? null : d })} />
      <${ClusterPicker} date=${toDate ?? 'last'} value=${view.clusters} onChange=${(clusters: string[]) => setView({ clusters })} />
    </div>
    ${fromDate && toDate && fromDate >= toDate && html`<p class="notice">"From" is not before "To": the changes are shown backwards.</p>`}
    ${!fromDate && !recent.loading && html`<p class="notice">Pick the earlier snapshot to compare with.</p>`}
    <${ErrorBox} error=${diff.error} onRetry=${diff.reload} />
    ${diff.loading && fromDate && toDate && html`<${Loading} text="Comparing snapshots…" />`}
    ${
      diff.data &&
      html`<div class="toolbar">
        <label class="search">
          <span class="sr-only">Filter changes</span>
          <input type="search" value=${text} placeholder="Filter: name, node, cluster, volume…" onInput=${(e: Event) =>
            set({ q: (e.target as HTMLInputElement).value || null }, true)} data-testid="diff-filter" />
        </label>
        <span class="count" data-testid="diff-count">${count(totalShown)} changes</span>
      </div>
      <div class="chips" role="group" aria-label="Kinds of change">
        ${groups.map(
          (g) => html`<label class=${`chip ${hidden.has(g.id) ? '' : 'on'}`} key=${g.id}>
            <input type="checkbox" checked=${!hidden.has(g.id)} onChange=${() => toggleGroup(g.id)} />
            ${g.title} <span class="chip-count">${g.rows.length}</span>
          </label>`,
        )}
      </div>
      <p class="muted small">${dateTime(diff.data.from as number)} → ${dateTime(diff.data.to as number)}</p>
      ${
        filtered.every((g) => g.rows.length === 0)
          ? html`<${Empty}>${text ? 'No change matches this filter.' : 'Nothing changed between these snapshots.'}<//>`
          : filtered
              .filter((g) => g.rows.length > 0)
              .map(
                (g) => html`<details class="diff-group" open key=${g.id} data-group=${g.id}>
                <summary><h2>${g.title} <span class="chip-count">${g.rows.length}</span></h2></summary>
                <ul class="diff-rows">
                  ${g.rows.slice(0, 500).map(
                    (r) => html`<li key=${r.id}>
                      <span class="diff-title">${r.uid ? html`<${Link} href=${hrefWithScope(`/guests/${encodeURIComponent(r.uid)}`)}>${r.title}<//>` : r.title}</span>
                      ${r.cluster && html`<span class="muted small"> ${r.cluster}</span>`}
                      <span class="diff-detail">${r.detail}</span>
                    </li>`,
                  )}
                  ${g.rows.length > 500 && html`<li class="muted">…and ${count(g.rows.length - 500)} more; narrow the filter to see them.</li>`}
                </ul>
              </details>`,
              )
      }`
    }
  </div>`;
}
