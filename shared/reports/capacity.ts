/**
 * `capacity`: allocated against physical per cluster and node (from the rollups the crawler stored with the
 * snapshot, never a scan), and per storage its use and a days-to-full estimate from a linear fit of its used
 * bytes over the readable snapshots in the history window.
 */
import type { Capacity, StorageDoc } from '../store/schemas.ts';
import { baseMeta, type ReportContext } from './context.ts';
import { formatBytes, isoDate, round } from './format.ts';
import { daysToFull } from './linear-fit.ts';
import type { Column, Report, Row } from './model.ts';
import { barChart, PALETTE } from './svg.ts';

/** At most this many snapshots are read for the history (evenly spread, first and last included). */
export const HISTORY_SAMPLES = 60;

const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : undefined);

export const CAPACITY_COLUMNS: Column[] = [
  { key: 'id', label: 'ID' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'node', label: 'Node' },
  { key: 'instances', label: 'Guests', kind: 'int' },
  { key: 'cpu_physical', label: 'CPUs', kind: 'int' },
  { key: 'cpu_allocated', label: 'vCPUs allocated', kind: 'int' },
  { key: 'cpu_allocated_running', label: 'vCPUs running', kind: 'int' },
  { key: 'cpu_overcommit', label: 'CPU overcommit', kind: 'ratio' },
  { key: 'mem_physical_bytes', label: 'Memory', kind: 'bytes' },
  { key: 'mem_used_bytes', label: 'Memory used', kind: 'bytes' },
  { key: 'mem_allocated_bytes', label: 'Memory allocated', kind: 'bytes' },
  { key: 'mem_allocated_running_bytes', label: 'Memory allocated (running)', kind: 'bytes' },
  { key: 'mem_overcommit', label: 'Memory overcommit', kind: 'ratio' },
  { key: 'storage_total_bytes', label: 'Storage', kind: 'bytes' },
  { key: 'storage_used_bytes', label: 'Storage used', kind: 'bytes' },
  { key: 'storage_used_ratio', label: 'Storage used %', kind: 'ratio' },
  { key: 'disk_allocated_bytes', label: 'Disks allocated', kind: 'bytes' },
  { key: 'storage_overcommit', label: 'Storage overcommit', kind: 'ratio' },
];

export const STORAGE_COLUMNS: Column[] = [
  { key: 'id', label: 'ID' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'node', label: 'Node' },
  { key: 'storage', label: 'Storage' },
  { key: 'type', label: 'Type' },
  { key: 'shared', label: 'Shared', kind: 'bool' },
  { key: 'content', label: 'Content' },
  { key: 'total_bytes', label: 'Size', kind: 'bytes' },
  { key: 'used_bytes', label: 'Used', kind: 'bytes' },
  { key: 'avail_bytes', label: 'Free', kind: 'bytes' },
  { key: 'used_ratio', label: 'Used %', kind: 'ratio' },
  { key: 'growth_bytes_per_day', label: 'Growth per day', kind: 'bytes' },
  { key: 'days_to_full', label: 'Days to full', kind: 'number' },
  { key: 'full_date', label: 'Full on', kind: 'date' },
  { key: 'history_points', label: 'Snapshots fitted', kind: 'int' },
  { key: 'pbs_estimated_full', label: 'PBS estimate', kind: 'date' },
];

function capacityRow(id: string, cluster: string, node: string, c: Capacity, instances?: number): Row {
  return {
    id,
    cluster,
    node,
    instances,
    cpu_physical: c.cpuPhysical,
    cpu_allocated: c.cpuAllocated,
    cpu_allocated_running: c.cpuAllocatedRunning,
    cpu_overcommit: ratio(c.cpuAllocated, c.cpuPhysical),
    mem_physical_bytes: c.memPhysicalBytes,
    mem_used_bytes: c.memUsedBytes,
    mem_allocated_bytes: c.memAllocatedBytes,
    mem_allocated_running_bytes: c.memAllocatedRunningBytes,
    mem_overcommit: ratio(c.memAllocatedBytes, c.memPhysicalBytes),
    storage_total_bytes: c.storageTotalBytes,
    storage_used_bytes: c.storageUsedBytes,
    storage_used_ratio: ratio(c.storageUsedBytes, c.storageTotalBytes),
    disk_allocated_bytes: c.diskAllocatedBytes,
    storage_overcommit: ratio(c.diskAllocatedBytes, c.storageTotalBytes),
  };
}

/** A storage's identity across dates: shared storage is one per cluster, local storage one per node. */
export const storageId = (s: Pick<StorageDoc, 'cluster' | 'storage' | 'node' | 'shared'>) =>
  s.shared || !s.node ? `${s.cluster}/${s.storage}` : `${s.cluster}/${s.node}/${s.storage}`;

/** Up to `max` dates from the list, evenly spread, keeping the first and the last. */
export function sampleDates(dates: readonly number[], max: number): number[] {
  if (dates.length <= max) return [...dates];
  const out = new Set<number>();
  for (let i = 0; i < max; i++) out.add(dates[Math.round((i * (dates.length - 1)) / (max - 1))]!);
  return [...out];
}

export function capacityReport(ctx: ReportContext): Report {
  const { db, date } = ctx;
  const names = new Set(ctx.clusters.map((c) => c.name));
  const outcomes = ctx.snapshot.clusters.filter((c) => names.has(c.name)).sort((a, b) => a.name.localeCompare(b.name));
  const missing = outcomes.filter((c) => c.kind === 'pve' && !c.rollup).map((c) => c.name);
  const start = ctx.historyStart;
  const historyDates = sampleDates(
    ctx.dates.filter((d) => d >= Math.min(start, date) && d <= date),
    HISTORY_SAMPLES,
  );
  const soonest: { id: string; days: number }[] = [];

  function* clusterRows(): Generator<Row> {
    for (const o of outcomes) if (o.rollup) yield capacityRow(o.name, o.name, '', o.rollup, o.counts.instances);
  }
  function* nodeRows(): Generator<Row> {
    for (const o of outcomes) {
      for (const n of o.rollup?.nodes ?? []) yield capacityRow(`${o.name}/${n.node}`, o.name, n.node, n, n.instances);
    }
  }
  async function* storageRows(): AsyncGenerator<Row> {
    const history = new Map<string, [number, number][]>();
    for (const d of historyDates) {
      const cursor = db
        .collection<StorageDoc>('storages')
        .find({ date: d }, { projection: { _id: 0, cluster: 1, storage: 1, node: 1, shared: 1, usedBytes: 1 } });
      for await (const s of cursor) {
        if (!names.has(s.cluster)) continue;
        const key = storageId(s);
        const series = history.get(key) ?? [];
        series.push([d, s.usedBytes]);
        history.set(key, series);
      }
    }
    for (const o of outcomes) {
      const list = await db
        .collection<StorageDoc>('storages')
        .find({ date, cluster: o.name }, { projection: { _id: 0 } })
        .toArray();
      list.sort((a, b) => storageId(a).localeCompare(storageId(b)));
      for (const s of list) {
        const id = storageId(s);
        const samples = history.get(id) ?? [[date, s.usedBytes]];
        const fit = daysToFull(samples, s.totalBytes, s.usedBytes);
        if (fit.days !== undefined) soonest.push({ id, days: fit.days });
        yield {
          id,
          cluster: s.cluster,
          node: s.shared ? '' : (s.node ?? ''),
          storage: s.storage,
          type: s.type,
          shared: s.shared,
          content: s.content.join(','),
          total_bytes: s.totalBytes,
          used_bytes: s.usedBytes,
          avail_bytes: s.availBytes,
          used_ratio: ratio(s.usedBytes, s.totalBytes),
          growth_bytes_per_day: fit.bytesPerDay === undefined ? undefined : Math.round(fit.bytesPerDay),
          days_to_full: fit.days === undefined ? undefined : round(fit.days, 1),
          full_date: fit.days === undefined ? undefined : Math.round(date + fit.days * 86400),
          history_points: samples.length,
          pbs_estimated_full: s.estimatedFullDate,
        };
      }
    }
  }

  const bars = (pick: (c: Capacity) => [number, number], label: string, fmt: (n: number) => string) =>
    barChart(
      `${label}: allocated against physical`,
      outcomes
        .filter((o) => o.rollup)
        .map((o) => {
          const [alloc, phys] = pick(o.rollup!);
          return {
            label: o.name,
            marker: phys,
            note: `${fmt(alloc)} / ${fmt(phys)}${phys > 0 ? ` (${Math.round((alloc / phys) * 100)} %)` : ''}`,
            parts: [
              {
                value: alloc,
                color: alloc > phys ? PALETTE.orange : PALETTE.blue,
                label: alloc > phys ? 'overcommitted' : 'allocated',
              },
            ],
          };
        }),
      { markerLabel: 'physical' },
    );

  return {
    kind: 'capacity',
    title: 'Strata capacity',
    meta: [
      ...baseMeta(ctx),
      ['history', `${historyDates.length} snapshots from ${isoDate(historyDates[0] ?? date)} to ${isoDate(date)}`],
    ],
    sections: [
      {
        id: 'cluster',
        title: 'Clusters',
        columns: CAPACITY_COLUMNS.filter((c) => c.key !== 'node'),
        rows: clusterRows(),
        note: missing.length ? `No rollup (cluster failed in this snapshot): ${missing.join(', ')}` : undefined,
      },
      { id: 'node', title: 'Nodes', columns: CAPACITY_COLUMNS, rows: nodeRows() },
      {
        id: 'storage',
        title: 'Storages',
        columns: STORAGE_COLUMNS,
        rows: storageRows(),
        note: 'Days to full: free space divided by the growth rate of a least-squares line through used bytes over the history window.',
        flag: (r) => typeof r.days_to_full === 'number' && r.days_to_full < 30,
      },
    ],
    summary: () => {
      soonest.sort((a, b) => a.days - b.days);
      const total = outcomes.reduce(
        (acc, o) => {
          if (o.rollup) {
            acc.cpu += o.rollup.cpuPhysical;
            acc.vcpu += o.rollup.cpuAllocated;
            acc.mem += o.rollup.memPhysicalBytes;
            acc.memAlloc += o.rollup.memAllocatedBytes;
          }
          return acc;
        },
        { cpu: 0, vcpu: 0, mem: 0, memAlloc: 0 },
      );
      return {
        facts: [
          ['CPUs / vCPUs allocated', `${total.cpu} / ${total.vcpu}`],
          ['memory / allocated', `${formatBytes(total.mem)} / ${formatBytes(total.memAlloc)}`],
          [
            'storage filling soonest',
            soonest[0] ? `${soonest[0].id} in ${soonest[0].days.toFixed(1)} days` : 'none growing',
          ],
        ],
        charts: [
          bars((c) => [c.cpuAllocated, c.cpuPhysical], 'CPU', String),
          bars((c) => [c.memAllocatedBytes, c.memPhysicalBytes], 'Memory', formatBytes),
          bars((c) => [c.diskAllocatedBytes, c.storageTotalBytes], 'Storage', formatBytes),
          ...(soonest.length
            ? [
                barChart(
                  'Days to full (soonest 15)',
                  soonest.slice(0, 15).map((s) => ({
                    label: s.id,
                    note: `${s.days.toFixed(0)} d`,
                    parts: [{ value: s.days, color: s.days < 30 ? PALETTE.red : PALETTE.blue, label: 'days' }],
                  })),
                ),
              ]
            : []),
        ],
      };
    },
  };
}
