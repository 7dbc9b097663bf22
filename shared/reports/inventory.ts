/** `inventory`: one row per guest, streamed node by node. */
import type { DiskDoc, InstanceDoc, NodeDoc } from '../store/schemas.ts';
import { BackupIndex, guestBackups } from './backup-index.ts';
import { baseMeta, type ReportContext } from './context.ts';
import { formatBytes, round } from './format.ts';
import type { Column, Report, Row } from './model.ts';
import { barChart, PALETTE } from './svg.ts';

export const INVENTORY_COLUMNS: Column[] = [
  { key: 'id', label: 'ID (cluster/vmid)' },
  { key: 'uid', label: 'UID' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'node', label: 'Node' },
  { key: 'vmid', label: 'VMID', kind: 'int' },
  { key: 'type', label: 'Type' },
  { key: 'name', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: 'template', label: 'Template', kind: 'bool' },
  { key: 'vcpus', label: 'vCPUs', kind: 'int' },
  { key: 'memory_bytes', label: 'Memory', kind: 'bytes' },
  { key: 'disk_count', label: 'Disks', kind: 'int' },
  { key: 'disk_bytes', label: 'Disk size', kind: 'bytes' },
  { key: 'disks', label: 'Disk list' },
  { key: 'ips', label: 'IPs' },
  { key: 'tags', label: 'Tags' },
  { key: 'pool', label: 'Pool' },
  { key: 'last_backup', label: 'Last backup', kind: 'date' },
  { key: 'last_backup_age_hours', label: 'Last backup age', kind: 'hours' },
];

const diskLabel = (d: Pick<DiskDoc, 'key' | 'volid' | 'sizeBytes'>) =>
  `${d.key ?? '?'}=${d.volid} (${formatBytes(d.sizeBytes)})`;

export function inventoryReport(ctx: ReportContext): Report {
  const { db, date } = ctx;
  const pve = ctx.clusters.filter((c) => c.kind === 'pve');
  const perCluster = new Map<string, { running: number; stopped: number; templates: number }>();
  const totals = { guests: 0, vcpus: 0, memory: 0, disk: 0, neverBackedUp: 0 };

  async function* rows(): AsyncGenerator<Row> {
    for (const { name: cluster } of pve) {
      const own = await BackupIndex.load(db, date, [cluster]);
      const stats = { running: 0, stopped: 0, templates: 0 };
      perCluster.set(cluster, stats);
      const nodes = await db
        .collection<NodeDoc>('nodes')
        .find({ date, cluster }, { projection: { _id: 0, node: 1 } })
        .toArray();
      // Nodes from the node documents and from the rollup (which also names nodes known only from guests).
      const rollupNodes = ctx.snapshot.clusters.find((c) => c.name === cluster)?.rollup?.nodes ?? [];
      const nodeNames = [...new Set([...nodes.map((n) => n.node), ...rollupNodes.map((n) => n.node)])].sort();
      for (const node of nodeNames) {
        const disks = new Map<number, DiskDoc[]>();
        for await (const d of db
          .collection<DiskDoc>('disks')
          .find({ date, cluster, node }, { projection: { _id: 0 } })) {
          if (d.vmid === undefined || !(d.attached || d.unused)) continue;
          const list = disks.get(d.vmid) ?? [];
          list.push(d);
          disks.set(d.vmid, list);
        }
        const guests = db
          .collection<InstanceDoc>('instances')
          .find({ date, cluster, node }, { projection: { _id: 0 } })
          .batchSize(1000);
        const batch: InstanceDoc[] = [];
        for await (const g of guests) batch.push(g);
        batch.sort((a, b) => a.vmid - b.vmid);
        for (const g of batch) {
          const guestDisks = (disks.get(g.vmid) ?? []).sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
          const backups = guestBackups(g, own);
          const last = backups.newest?.time;
          if (g.template) stats.templates++;
          else if (g.status === 'running') stats.running++;
          else stats.stopped++;
          totals.guests++;
          totals.vcpus += g.vcpus;
          totals.memory += g.memoryBytes;
          totals.disk += g.diskBytes;
          if (last === undefined && !g.template) totals.neverBackedUp++;
          yield {
            id: `${cluster}/${g.vmid}`,
            uid: g.uid,
            cluster,
            node: g.node,
            vmid: g.vmid,
            type: g.type,
            name: g.name,
            status: g.status,
            template: g.template,
            vcpus: g.vcpus,
            memory_bytes: g.memoryBytes,
            disk_count: g.disks,
            disk_bytes: g.diskBytes,
            disks: guestDisks.map(diskLabel).join('; '),
            ips: g.ips.join(' '),
            tags: g.tags.join(';'),
            pool: g.pool ?? '',
            last_backup: last,
            last_backup_age_hours: last === undefined ? undefined : round(Math.max(0, date - last) / 3600, 1),
          };
        }
      }
    }
  }

  return {
    kind: 'inventory',
    title: 'Strata inventory',
    meta: baseMeta(ctx),
    sections: [
      {
        id: 'guest',
        title: 'Guests',
        columns: INVENTORY_COLUMNS,
        rows: rows(),
        expectedRows: ctx.snapshot.clusters
          .filter((c) => pve.some((p) => p.name === c.name))
          .reduce((s, c) => s + c.counts.instances, 0),
      },
    ],
    summary: () => ({
      facts: [
        ['guests', totals.guests],
        ['vCPUs allocated', totals.vcpus],
        ['memory allocated', formatBytes(totals.memory)],
        ['disk allocated', formatBytes(totals.disk)],
        ['guests never backed up (templates excluded)', totals.neverBackedUp],
      ],
      charts: [
        barChart(
          'Guests per cluster',
          [...perCluster].map(([name, s]) => ({
            label: name,
            note: String(s.running + s.stopped + s.templates),
            parts: [
              { value: s.running, color: PALETTE.green, label: 'running' },
              { value: s.stopped, color: PALETTE.grey, label: 'stopped' },
              { value: s.templates, color: PALETTE.lightBlue, label: 'templates' },
            ],
          })),
        ),
      ],
    }),
  };
}
