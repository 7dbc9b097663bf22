/**
 * `changes`: what differs between two snapshots, cluster by cluster. The older side of one cluster is held in
 * memory (only the compared fields), the newer side is streamed; guests are matched by uid (a vmid reused by a
 * new guest shows as one deleted and one created guest; a guest on another node shows as migrated).
 */
import type { BackupDoc, DiskDoc, InstanceDoc, NodeDoc, StorageDoc } from '../store/schemas.ts';
import { storageId } from './capacity.ts';
import { baseMeta, type ReportContext } from './context.ts';
import { formatBytes } from './format.ts';
import type { Cell, Column, Report, Row } from './model.ts';
import { barChart, PALETTE } from './svg.ts';

/** Guest fields compared; runtime figures (uptime, CPU and memory use, agent IP timestamps) are left out. */
export const GUEST_FIELDS = [
  'name',
  'node',
  'status',
  'type',
  'template',
  'pool',
  'tags',
  'onboot',
  'agent',
  'lock',
  'ostype',
  'vcpus',
  'sockets',
  'cores',
  'memoryBytes',
  'balloonBytes',
  'swapBytes',
  'diskBytes',
  'disks',
  'ips',
  'nics',
  'ha',
  'notes',
] as const satisfies readonly (keyof InstanceDoc)[];

const BYTE_FIELDS = new Set(['memoryBytes', 'balloonBytes', 'swapBytes', 'diskBytes']);

type GuestSide = Pick<InstanceDoc, (typeof GUEST_FIELDS)[number] | 'uid' | 'vmid' | 'cluster'>;

/** A comparable form: arrays of scalars as sorted sets, objects with sorted keys. */
export function canonical(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (value.every((v) => typeof v !== 'object' || v === null)) items.sort();
    return `[${items.join(',')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${k}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function show(field: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return '∅';
  if (BYTE_FIELDS.has(field) && typeof value === 'number') return formatBytes(value);
  if (field === 'notes') return '…';
  if (field === 'nics' && Array.isArray(value)) {
    return value.map((n) => `${n.key}=${n.mac ?? ''}@${n.bridge ?? ''}${n.vlan ? `.${n.vlan}` : ''}`).join(' ');
  }
  if (Array.isArray(value)) return value.join(' ');
  if (typeof value === 'object') return canonical(value);
  return String(value);
}

/** The fields that differ between two versions of a guest, as `field: before → after`. */
export function guestChanges(before: Partial<GuestSide>, after: Partial<GuestSide>): string[] {
  const out: string[] = [];
  for (const f of GUEST_FIELDS) {
    if (canonical(before[f]) !== canonical(after[f])) out.push(`${f}: ${show(f, before[f])} → ${show(f, after[f])}`);
  }
  return out;
}

const GUEST_COLUMNS: Column[] = [
  { key: 'id', label: 'UID' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'vmid', label: 'VMID', kind: 'int' },
  { key: 'name', label: 'Name' },
  { key: 'change', label: 'Change' },
  { key: 'node_before', label: 'Node before' },
  { key: 'node_after', label: 'Node after' },
  { key: 'details', label: 'Details' },
];
const DISK_COLUMNS: Column[] = [
  { key: 'id', label: 'ID (cluster[/node]/volid)' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'node', label: 'Node' },
  { key: 'volid', label: 'Volume' },
  { key: 'vmid', label: 'VMID', kind: 'int' },
  { key: 'change', label: 'Change' },
  { key: 'size_before', label: 'Size before', kind: 'bytes' },
  { key: 'size_after', label: 'Size after', kind: 'bytes' },
];
const NODE_COLUMNS: Column[] = [
  { key: 'id', label: 'ID (cluster/node)' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'node', label: 'Node' },
  { key: 'change', label: 'Change' },
  { key: 'details', label: 'Details' },
];
const STORAGE_COLUMNS: Column[] = [
  { key: 'id', label: 'ID' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'node', label: 'Node' },
  { key: 'storage', label: 'Storage' },
  { key: 'change', label: 'Change' },
  { key: 'total_before', label: 'Size before', kind: 'bytes' },
  { key: 'total_after', label: 'Size after', kind: 'bytes' },
  { key: 'used_before', label: 'Used before', kind: 'bytes' },
  { key: 'used_after', label: 'Used after', kind: 'bytes' },
];
const BACKUP_COLUMNS: Column[] = [
  { key: 'id', label: 'ID (cluster/volid)' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'storage', label: 'Storage' },
  { key: 'volid', label: 'Volume' },
  { key: 'vmid', label: 'VMID', kind: 'int' },
  { key: 'change', label: 'Change' },
  { key: 'backup_time', label: 'Backup time', kind: 'date' },
  { key: 'size_bytes', label: 'Size', kind: 'bytes' },
];

const diskId = (d: Pick<DiskDoc, 'cluster' | 'node' | 'volid' | 'shared'>) =>
  d.shared === false ? `${d.cluster}/${d.node}/${d.volid}` : `${d.cluster}/${d.volid}`;

export function changesReport(ctx: ReportContext): Report {
  const { db, date } = ctx;
  const before = ctx.compare!.date;
  // Clusters of either snapshot (one added or removed in between shows all its objects as added or removed).
  const clusters = [...new Set([...ctx.snapshot.clusters, ...ctx.compare!.snapshot.clusters].map((c) => c.name))]
    .filter((c) => !ctx.filter || ctx.filter.includes(c))
    .sort();
  const counts = new Map<string, number>();
  const count = (section: string, change: Cell) => {
    const k = `${section} ${String(change)}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  const col = <T>(name: string) => db.collection<T & { date: number; cluster: string }>(name);

  async function* guestRows(): AsyncGenerator<Row> {
    const projection = Object.fromEntries(
      ['_id', ...GUEST_FIELDS, 'uid', 'vmid', 'cluster'].map((f) => [f, f === '_id' ? 0 : 1]),
    );
    for (const cluster of clusters) {
      const old = new Map<string, GuestSide>();
      for await (const g of col<InstanceDoc>('instances').find({ date: before, cluster }, { projection })) {
        old.set(g.uid, g as GuestSide);
      }
      for await (const raw of col<InstanceDoc>('instances').find({ date, cluster }, { projection }).sort({ vmid: 1 })) {
        const g = raw as GuestSide;
        const prev = old.get(g.uid);
        old.delete(g.uid);
        const base = { id: g.uid, cluster, vmid: g.vmid, name: g.name, node_after: g.node };
        if (!prev) {
          count('guest', 'created');
          yield { ...base, change: 'created' };
          continue;
        }
        const changes = guestChanges(prev, g);
        if (!changes.length) continue;
        const moved = prev.node !== g.node;
        const change = moved ? (changes.length > 1 ? 'migrated+changed' : 'migrated') : 'changed';
        count('guest', change);
        yield {
          ...base,
          change,
          node_before: prev.node,
          details: changes.filter((c) => !c.startsWith('node:')).join('; '),
        };
      }
      for (const g of [...old.values()].sort((a, b) => a.vmid - b.vmid)) {
        count('guest', 'deleted');
        yield { id: g.uid, cluster, vmid: g.vmid, name: g.name, change: 'deleted', node_before: g.node };
      }
    }
  }

  async function* diskRows(): AsyncGenerator<Row> {
    const projection = { _id: 0, cluster: 1, node: 1, volid: 1, shared: 1, vmid: 1, sizeBytes: 1 };
    for (const cluster of clusters) {
      const old = new Map<string, Pick<DiskDoc, 'cluster' | 'node' | 'volid' | 'vmid' | 'sizeBytes'>>();
      for await (const d of col<DiskDoc>('disks').find({ date: before, cluster }, { projection }))
        old.set(diskId(d), d);
      for await (const d of col<DiskDoc>('disks').find({ date, cluster }, { projection }).sort({ volid: 1 })) {
        const id = diskId(d);
        const prev = old.get(id);
        old.delete(id);
        const row = { id, cluster, node: d.node, volid: d.volid, vmid: d.vmid, size_after: d.sizeBytes };
        if (!prev) {
          count('disk', 'added');
          yield { ...row, change: 'added' };
        } else if (prev.sizeBytes !== d.sizeBytes) {
          count('disk', 'resized');
          yield { ...row, change: 'resized', size_before: prev.sizeBytes };
        }
      }
      for (const [id, d] of [...old].sort(([a], [b]) => a.localeCompare(b))) {
        count('disk', 'removed');
        yield { id, cluster, node: d.node, volid: d.volid, vmid: d.vmid, change: 'removed', size_before: d.sizeBytes };
      }
    }
  }

  async function* nodeRows(): AsyncGenerator<Row> {
    for (const cluster of clusters) {
      const [a, b] = await Promise.all(
        [before, date].map((d) =>
          col<NodeDoc>('nodes')
            .find({ date: d, cluster }, { projection: { _id: 0 } })
            .toArray(),
        ),
      );
      const old = new Map(a!.map((n) => [n.node, n]));
      for (const n of b!.sort((x, y) => x.node.localeCompare(y.node))) {
        const prev = old.get(n.node);
        old.delete(n.node);
        const id = `${cluster}/${n.node}`;
        if (!prev) {
          count('node', 'added');
          yield { id, cluster, node: n.node, change: 'added' };
          continue;
        }
        const details: string[] = [];
        if (prev.status !== n.status) details.push(`status: ${prev.status} → ${n.status}`);
        if (prev.cpus !== n.cpus) details.push(`cpus: ${prev.cpus} → ${n.cpus}`);
        if (prev.memTotalBytes !== n.memTotalBytes) {
          details.push(`memory: ${formatBytes(prev.memTotalBytes)} → ${formatBytes(n.memTotalBytes)}`);
        }
        if ((prev.pveVersion ?? '') !== (n.pveVersion ?? ''))
          details.push(`version: ${prev.pveVersion} → ${n.pveVersion}`);
        if (details.length) {
          count('node', 'changed');
          yield { id, cluster, node: n.node, change: 'changed', details: details.join('; ') };
        }
      }
      for (const n of old.values()) {
        count('node', 'removed');
        yield { id: `${cluster}/${n.node}`, cluster, node: n.node, change: 'removed' };
      }
    }
  }

  async function* storageRows(): AsyncGenerator<Row> {
    for (const cluster of clusters) {
      const [a, b] = await Promise.all(
        [before, date].map((d) =>
          col<StorageDoc>('storages')
            .find({ date: d, cluster }, { projection: { _id: 0 } })
            .toArray(),
        ),
      );
      const old = new Map(a!.map((s) => [storageId(s), s]));
      for (const s of b!.sort((x, y) => storageId(x).localeCompare(storageId(y)))) {
        const id = storageId(s);
        const prev = old.get(id);
        old.delete(id);
        const row = {
          id,
          cluster,
          node: s.shared ? '' : s.node,
          storage: s.storage,
          total_after: s.totalBytes,
          used_after: s.usedBytes,
        };
        if (!prev) {
          count('storage', 'added');
          yield { ...row, change: 'added' };
        } else if (prev.totalBytes !== s.totalBytes) {
          count('storage', 'resized');
          yield { ...row, change: 'resized', total_before: prev.totalBytes, used_before: prev.usedBytes };
        }
      }
      for (const [id, s] of old) {
        count('storage', 'removed');
        yield {
          id,
          cluster,
          node: s.shared ? '' : s.node,
          storage: s.storage,
          change: 'removed',
          total_before: s.totalBytes,
          used_before: s.usedBytes,
        };
      }
    }
  }

  async function* backupRows(): AsyncGenerator<Row> {
    const projection = { _id: 0, volid: 1, storage: 1, vmid: 1, backupTime: 1, sizeBytes: 1 };
    type B = Pick<BackupDoc, 'volid' | 'storage' | 'vmid' | 'backupTime' | 'sizeBytes'>;
    const row = (cluster: string, b: B, change: string) => ({
      id: `${cluster}/${b.volid}`,
      cluster,
      storage: b.storage,
      volid: b.volid,
      vmid: b.vmid,
      change,
      backup_time: b.backupTime,
      size_bytes: b.sizeBytes,
    });
    for (const cluster of clusters) {
      const old = new Map<string, B>();
      for await (const b of col<BackupDoc>('backups').find({ date: before, cluster }, { projection }))
        old.set(b.volid, b);
      for await (const b of col<BackupDoc>('backups').find({ date, cluster }, { projection })) {
        if (old.delete(b.volid)) continue;
        count('backup', 'added');
        yield row(cluster, b, 'added');
      }
      for (const b of old.values()) {
        count('backup', 'removed');
        yield row(cluster, b, 'removed');
      }
    }
  }

  return {
    kind: 'changes',
    title: 'Strata changes',
    meta: baseMeta(ctx),
    sections: [
      { id: 'guest', title: 'Guests', columns: GUEST_COLUMNS, rows: guestRows() },
      { id: 'disk', title: 'Disks', columns: DISK_COLUMNS, rows: diskRows() },
      { id: 'node', title: 'Nodes', columns: NODE_COLUMNS, rows: nodeRows() },
      { id: 'storage', title: 'Storages (added, removed or resized)', columns: STORAGE_COLUMNS, rows: storageRows() },
      { id: 'backup', title: 'Backups', columns: BACKUP_COLUMNS, rows: backupRows() },
    ],
    summary: () => {
      const facts = [...counts].sort(([a], [b]) => a.localeCompare(b)) as [string, Cell][];
      return {
        facts: facts.length ? facts : [['changes', 'none']],
        charts: counts.size
          ? [
              barChart(
                'Changes',
                [...counts]
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([label, n]) => ({
                    label,
                    note: String(n),
                    parts: [
                      {
                        value: n,
                        color: /deleted|removed/.test(label)
                          ? PALETTE.red
                          : /created|added/.test(label)
                            ? PALETTE.green
                            : PALETTE.blue,
                        label: 'objects',
                      },
                    ],
                  })),
              ),
            ]
          : [],
      };
    },
  };
}
