import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import { Donut, LineChart, type Series } from '../components/chart.ts';
import { Badge, Empty, ErrorBox, Loading, Section, UsageBar } from '../components/common.ts';
import { useApi, useView } from '../hooks.ts';
import { bytes, count, dateTime, duration, toEpochSeconds } from '../lib/format.ts';
import { apiScope } from '../lib/url-state.ts';
import { hrefWithScope, Link } from '../router.ts';

type Obj = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

interface SnapshotItem {
  date: number;
  status: string;
  startedAt?: string | number;
  finishedAt?: string | number;
  clusters: Obj[] | Record<string, Obj>;
  totals?: Obj;
}

/** Per-cluster outcomes as a list, whether the API sends an array or a map keyed by name. */
function outcomes(s: SnapshotItem | undefined): (Obj & { name: string })[] {
  if (!s) return [];
  if (Array.isArray(s.clusters)) return s.clusters.map((c) => ({ ...c, name: String(c.name ?? c.cluster ?? '') }));
  return Object.entries(s.clusters ?? {}).map(([name, c]) => ({ ...c, name }));
}

const TOTALS: [string, string][] = [
  ['clusters', 'Clusters'],
  ['nodes', 'Nodes'],
  ['instances', 'Guests'],
  ['running', 'Running'],
  ['qemu', 'VMs'],
  ['lxc', 'Containers'],
  ['storages', 'Storages'],
  ['disks', 'Disks'],
  ['backups', 'Backups'],
];

const DAY = 86400;

export function DashboardPage() {
  const [view] = useView();
  const scope = apiScope(view);
  const snaps = useApi<{ items: SnapshotItem[] }>('/snapshots', { limit: 50 });
  const health = useApi<{ date: number; clusters: Obj[]; snapshot?: Obj }>('/health', scope);
  const capacity = useApi<{ date: number; clusters: Obj[] }>('/capacity', scope);
  const coverage = useApi<{ summary: { covered: number; uncovered: number; total: number }; guests: Obj[] }>(
    '/backups/coverage',
    { ...scope, maxAgeHours: 24 },
  );
  const shownDate = health.data?.date ?? capacity.data?.date ?? (view.date === 'last' ? null : view.date);
  const range = useApi<{ points: Obj[] }>(shownDate ? '/capacity/range' : null, {
    from: shownDate ? shownDate - 30 * DAY : undefined,
    to: shownDate ?? undefined,
    cluster: scope.cluster,
  });

  const items = snaps.data?.items ?? [];
  const lastCrawl = items[0];
  const shown =
    items.find((s) => s.date === shownDate) ??
    (view.date === 'last' ? items.find((s) => s.status !== 'failed') : undefined);
  const totals = useMemo(() => {
    if (!shown) return null;
    if (view.clusters.length === 0 && shown.totals) return shown.totals;
    // Sum the chosen clusters' own counts.
    const sum: Obj = { clusters: 0 };
    for (const c of outcomes(shown)) {
      if (!view.clusters.includes(c.name)) continue;
      sum.clusters = (sum.clusters as number) + 1;
      for (const [k, v] of Object.entries(obj(c.counts)))
        if (typeof v === 'number') sum[k] = ((sum[k] as number) ?? 0) + v;
    }
    return sum;
  }, [shown, view.clusters.join(',')]);

  const charts = useMemo(() => capacityCharts(range.data?.points ?? []), [range.data]);

  return html`<div class="page dashboard">
    <div class="page-head">
      <h1>Dashboard</h1>
      <p class="muted small">${shownDate ? `Snapshot of ${dateTime(shownDate)}` : ''}</p>
    </div>

    <section class="cards" aria-label="Totals">
      ${
        totals
          ? TOTALS.filter(([k]) => num(totals[k]) !== null).map(
              ([k, label]) =>
                html`<div class="card" key=${k}><div class="card-value">${count(totals[k])}</div><div class="card-label">${label}</div></div>`,
            )
          : snaps.loading
            ? html`<${Loading} />`
            : html`<${Empty}>No totals for this snapshot.<//>`
      }
    </section>

    <div class="grid2">
      <${Section} title="Cluster health" id="h-health">
        <${ErrorBox} error=${health.error} onRetry=${health.reload} />
        ${health.loading && html`<${Loading} />`}
        ${health.data && html`<${HealthTable} clusters=${health.data.clusters} />`}
      <//>
      <${Section} title="Last crawl" id="h-crawl">
        <${ErrorBox} error=${snaps.error} onRetry=${snaps.reload} />
        ${lastCrawl ? html`<${CrawlStatus} snapshot=${lastCrawl} />` : !snaps.loading && html`<${Empty}>No crawl has run yet.<//>`}
      <//>
    </div>

    <div class="grid2">
      <${Section} title="Capacity" id="h-capacity">
        <${ErrorBox} error=${capacity.error} onRetry=${capacity.reload} />
        ${capacity.data && html`<${CapacityTable} clusters=${capacity.data.clusters} />`}
      <//>
      <${Section}
        title="Backup coverage"
        id="h-coverage"
        actions=${html`<${Link} href=${hrefWithScope('/backups')}>All backups<//>`}
      >
        <${ErrorBox} error=${coverage.error} onRetry=${coverage.reload} />
        ${coverage.data && html`<${Coverage} data=${coverage.data} />`}
      <//>
    </div>

    <${Section} title="Capacity over 30 days" id="h-trend">
      <${ErrorBox} error=${range.error} onRetry=${range.reload} />
      ${range.loading && shownDate && html`<${Loading} />`}
      ${
        range.data &&
        html`<div class="charts">
        <${LineChart} title="CPU (cores)" series=${charts.cpu} format=${(v: number) => count(Math.round(v))} />
        <${LineChart} title="Memory" series=${charts.memory} format=${bytes} />
        <${LineChart} title="Storage" series=${charts.storage} format=${bytes} />
      </div>`
      }
    <//>
  </div>`;
}

/** Sums the range's points per date across clusters, one line per numeric measure (ratios left out). */
function capacityCharts(all: Obj[]): { cpu: Series[]; memory: Series[]; storage: Series[] } {
  // The API adds `cluster: "*"` points that sum the clusters shown; use them when present.
  const sums = all.filter((p) => p.cluster === '*');
  const points = sums.length ? sums : all;
  const out = { cpu: [] as Series[], memory: [] as Series[], storage: [] as Series[] };
  for (const metric of ['cpu', 'memory', 'storage'] as const) {
    const byKey = new Map<string, Map<number, number>>();
    for (const p of points) {
      const d = num(p.date);
      if (d === null) continue;
      for (const [k, v] of Object.entries(obj(p[metric]))) {
        if (typeof v !== 'number' || /ratio|percent|fraction|free/i.test(k)) continue;
        if (!byKey.has(k)) byKey.set(k, new Map());
        const m = byKey.get(k)!;
        m.set(d, (m.get(d) ?? 0) + v);
      }
    }
    out[metric] = [...byKey.entries()].map(([k, m]) => ({
      label: k
        .replace(/Bytes$/, '')
        .replace(/([A-Z])/g, ' $1')
        .toLowerCase(),
      points: [...m.entries()].sort((a, b) => a[0] - b[0]).map(([x, y]) => ({ x, y })),
    }));
  }
  return out;
}

function HealthTable(props: { clusters: Obj[] }) {
  if (!props.clusters.length) return html`<${Empty}>No cluster in this snapshot.<//>`;
  return html`<div class="table-wrap"><table class="table">
    <thead><tr><th scope="col">Cluster</th><th scope="col">Quorum</th><th scope="col">Nodes online</th><th scope="col">HA</th></tr></thead>
    <tbody>
      ${props.clusters.map((c) => {
        const ha = obj(c.ha);
        const online = num(c.nodesOnline);
        const total = num(c.nodesTotal ?? c.nodes);
        return html`<tr key=${String(c.cluster)}>
          <th scope="row"><${Link} href=${hrefWithScope('/nodes', `q=cluster:${String(c.cluster)}`)}>${String(c.cluster)}<//></th>
          <td>${c.quorate === undefined || c.quorate === null ? html`<span class="muted">n/a</span>` : html`<${Badge} value=${c.quorate ? 'quorate' : 'no quorum'} tone=${c.quorate ? 'ok' : 'bad'} />`}</td>
          <td><${Badge} value=${online !== null && total !== null ? `${online} / ${total}` : ''} tone=${online !== null && total !== null && online < total ? 'warn' : 'ok'} /></td>
          <td>${haText(ha)}</td>
        </tr>`;
      })}
    </tbody>
  </table></div>`;
}

function haText(ha: Obj): string {
  if (!Object.keys(ha).length) return 'not used';
  const parts: string[] = [];
  // PVE's master status reads "node (active, <date>)": the state word is what matters here.
  const state = /\((\w+)/.exec(String(ha.masterStatus ?? ''))?.[1];
  if (ha.master) parts.push(`master ${String(ha.master)}${state ? ` (${state})` : ''}`);
  if (num(ha.services) !== null) parts.push(`${ha.services} services`);
  return parts.join(' · ') || 'configured';
}

function CrawlStatus(props: { snapshot: SnapshotItem }) {
  const s = props.snapshot;
  const started = toEpochSeconds(s.startedAt) ?? s.date;
  const finished = toEpochSeconds(s.finishedAt);
  const list = outcomes(s);
  const failed = list.filter((c) => c.ok === false);
  return html`<div data-testid="last-crawl">
    <p>
      <${Badge} value=${s.status} />
      <span> started ${dateTime(started)}</span>
      ${finished !== null && html`<span class="muted"> · took ${duration((finished - started) * 1000)}</span>`}
      <span class="muted"> · ${list.length - failed.length} of ${list.length} clusters ok</span>
    </p>
    ${
      failed.length > 0 &&
      html`<ul class="failures">
      ${failed.map((c) => html`<li key=${c.name}><strong>${c.name}</strong>: <span>${String(c.error ?? 'failed')}</span></li>`)}
    </ul>`
    }
  </div>`;
}

function ratioOf(m: Obj, used: string[], total: string[]): number | null {
  const u = used.map((k) => num(m[k])).find((v) => v !== null);
  const t = total.map((k) => num(m[k])).find((v) => v !== null);
  return u !== undefined && u !== null && t ? u / t : null;
}

function CapacityTable(props: { clusters: Obj[] }) {
  if (!props.clusters.length) return html`<${Empty}>No capacity figures.<//>`;
  return html`<div class="table-wrap"><table class="table">
    <thead><tr><th scope="col">Cluster</th><th scope="col">CPU allocated</th><th scope="col">Memory used</th><th scope="col">Storage used</th></tr></thead>
    <tbody>
      ${props.clusters.map((c) => {
        const cpu = obj(c.cpu);
        const mem = obj(c.memory);
        const sto = obj(c.storage);
        const cpuRatio = num(cpu.ratio) ?? ratioOf(cpu, ['allocated'], ['physical']);
        return html`<tr key=${String(c.cluster)}>
          <th scope="row">${String(c.cluster)}</th>
          <td>${cpuRatio !== null ? `${cpuRatio.toFixed(2)} : 1` : ''} <span class="muted small">${count(cpu.allocated)} / ${count(cpu.physical)}</span></td>
          <td><${UsageBar} fraction=${num(mem.usedFraction) ?? ratioOf(mem, ['used'], ['physical'])} /></td>
          <td><${UsageBar} fraction=${num(sto.usedFraction) ?? ratioOf(sto, ['used'], ['total'])} /></td>
        </tr>`;
      })}
    </tbody>
  </table></div>`;
}

function Coverage(props: { data: { summary: { covered: number; uncovered: number; total: number }; guests: Obj[] } }) {
  const { covered, uncovered, total } = props.data.summary;
  const fraction = total ? covered / total : 1;
  const missing = props.data.guests.filter((g) => g.covered === false).slice(0, 8);
  return html`<div class="coverage" data-testid="coverage">
    <${Donut} fraction=${fraction} label=${`${covered} of ${total} guests backed up in the last 24 hours`} tone=${fraction >= 0.95 ? 'ok' : fraction >= 0.8 ? 'warn' : 'bad'} />
    <div>
      <p><strong>${count(covered)}</strong> of ${count(total)} guests have a backup from the last 24 hours; <strong>${count(uncovered)}</strong> do not.</p>
      ${
        missing.length > 0 &&
        html`<ul class="plain small">
        ${missing.map(
          (g) => html`<li key=${String(g.uid)}>
            <${Link} href=${hrefWithScope(`/guests/${encodeURIComponent(String(g.uid))}`)}>${String(g.name ?? g.vmid)}<//>
            <span class="muted"> · ${String(g.cluster)} · ${g.lastBackup ? `last ${dateTime(toEpochSeconds(g.lastBackup))}` : 'never'}</span>
          </li>`,
        )}
      </ul>`
      }
    </div>
  </div>`;
}
