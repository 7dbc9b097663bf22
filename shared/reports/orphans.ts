/** `orphans`: volumes attached to no guest (left on a storage) and `unused` disks still in a guest's config. */
import type { DiskDoc, InstanceDoc } from '../store/schemas.ts';
import { baseMeta, type ReportContext } from './context.ts';
import { formatBytes } from './format.ts';
import type { Column, Report, Row } from './model.ts';
import { barChart, PALETTE } from './svg.ts';

export const ORPHAN_COLUMNS: Column[] = [
  { key: 'id', label: 'ID (cluster[/node]/volid)' },
  { key: 'kind', label: 'Kind' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'node', label: 'Node' },
  { key: 'storage', label: 'Storage' },
  { key: 'volid', label: 'Volume' },
  { key: 'key', label: 'Config key' },
  { key: 'vmid', label: 'VMID', kind: 'int' },
  { key: 'guest', label: 'Guest (by vmid)' },
  { key: 'size_bytes', label: 'Size', kind: 'bytes' },
  { key: 'format', label: 'Format' },
];

/** unused: an `unusedN` entry in a guest's config; unattached: a volume no config mentions. */
export function orphanKind(d: Pick<DiskDoc, 'attached' | 'unused'>): 'unused' | 'unattached' | undefined {
  if (d.unused) return 'unused';
  if (!d.attached) return 'unattached';
  return undefined;
}

export function orphansReport(ctx: ReportContext): Report {
  const { db, date } = ctx;
  const byStorage = new Map<string, { unused: number; unattached: number }>();
  const totals = { unused: 0, unattached: 0, unusedBytes: 0, unattachedBytes: 0 };

  async function* rows(): AsyncGenerator<Row> {
    for (const { name: cluster, kind } of ctx.clusters) {
      if (kind !== 'pve') continue;
      const names = new Map<number, string>();
      const guests = db
        .collection<InstanceDoc>('instances')
        .find({ date, cluster }, { projection: { _id: 0, vmid: 1, name: 1 } });
      for await (const g of guests) names.set(g.vmid, g.name);
      const found: DiskDoc[] = [];
      const cursor = db
        .collection<DiskDoc>('disks')
        .find({ date, cluster }, { projection: { _id: 0 } })
        .batchSize(1000);
      for await (const d of cursor) if (orphanKind(d)) found.push(d);
      found.sort((a, b) => a.volid.localeCompare(b.volid) || a.node.localeCompare(b.node));
      for (const d of found) {
        const k = orphanKind(d)!;
        const size = d.sizeBytes;
        const storageKey = `${cluster}/${d.storage ?? d.volid.split(':')[0]}`;
        const s = byStorage.get(storageKey) ?? { unused: 0, unattached: 0 };
        s[k] += size;
        byStorage.set(storageKey, s);
        totals[k]++;
        totals[k === 'unused' ? 'unusedBytes' : 'unattachedBytes'] += size;
        yield {
          id: d.shared === false ? `${cluster}/${d.node}/${d.volid}` : `${cluster}/${d.volid}`,
          kind: k,
          cluster,
          node: d.node,
          storage: d.storage,
          volid: d.volid,
          key: d.key,
          vmid: d.vmid,
          guest: d.vmid === undefined ? undefined : (names.get(d.vmid) ?? '(none)'),
          size_bytes: size,
          format: d.format,
        };
      }
    }
  }

  return {
    kind: 'orphans',
    title: 'Strata orphaned volumes',
    meta: baseMeta(ctx),
    sections: [
      {
        id: 'volume',
        title: 'Volumes attached to no guest, and unused disks',
        columns: ORPHAN_COLUMNS,
        rows: rows(),
        note: 'unattached: on a storage but in no guest config; unused: an unusedN entry of the guest named (kept detached).',
      },
    ],
    summary: () => ({
      facts: [
        ['unattached volumes', `${totals.unattached} (${formatBytes(totals.unattachedBytes)})`],
        ['unused disks', `${totals.unused} (${formatBytes(totals.unusedBytes)})`],
      ],
      charts: byStorage.size
        ? [
            barChart(
              'Space held by orphaned volumes per storage',
              [...byStorage]
                .sort((a, b) => b[1].unused + b[1].unattached - (a[1].unused + a[1].unattached))
                .slice(0, 20)
                .map(([label, s]) => ({
                  label,
                  note: formatBytes(s.unused + s.unattached),
                  parts: [
                    { value: s.unattached, color: PALETTE.red, label: 'unattached' },
                    { value: s.unused, color: PALETTE.orange, label: 'unused' },
                  ],
                })),
            ),
          ]
        : [],
    }),
  };
}
