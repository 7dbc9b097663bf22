import { type Doc, guestKey, guestName } from './guest-fields.ts';

/**
 * The difference between two snapshots, computed in code from two equality-bounded reads (one per date).
 * Guests are matched by uid, so a vmid reused by a new guest shows as one deleted and one created guest, and a
 * guest moved to another node shows as migrated. Published snapshots never change, so a diff of two dates can
 * be cached for ever (until purge).
 */

/** Guest fields compared field by field. Runtime counters (cpu, mem, uptime, netin, ...) are left out. */
export const GUEST_DIFF_FIELDS = [
  'name',
  'status',
  'type',
  'template',
  'vcpus',
  'sockets',
  'cores',
  'memoryBytes',
  'balloonBytes',
  'swapBytes',
  'diskBytes',
  'disks',
  'pool',
  'tags',
  'lock',
  'onboot',
  'agent',
  'ostype',
  'ha',
  'notes',
  'nics',
  'ips',
] as const;

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface GuestRef {
  uid: string;
  cluster: string;
  vmid: unknown;
  name: string;
  node: unknown;
  type: unknown;
}

export interface SnapshotSide {
  instances: readonly Doc[];
  disks: readonly Doc[];
  storages: readonly Doc[];
  backups: readonly Doc[];
}

export interface DiffResult {
  guests: {
    created: GuestRef[];
    deleted: GuestRef[];
    migrated: (GuestRef & { fromNode: unknown; toNode: unknown; fromCluster: string; toCluster: string })[];
    changed: (GuestRef & { changes: FieldChange[] })[];
  };
  disks: {
    added: Doc[];
    removed: Doc[];
    resized: { cluster: string; node?: unknown; volid: string; vmid?: unknown; before: number; after: number }[];
  };
  storages: {
    cluster: string;
    storage: string;
    node?: string;
    usedBefore: number | null;
    usedAfter: number | null;
    totalBefore: number | null;
    totalAfter: number | null;
  }[];
  backups: { added: Doc[]; removed: Doc[] };
  summary: Record<string, number>;
}

function ref(d: Doc): GuestRef {
  return {
    uid: guestKey(d),
    cluster: String(d.cluster),
    vmid: d.vmid,
    name: guestName(d),
    node: d.node,
    type: d.type,
  };
}

/** Structural equality for JSON-like values; arrays compare in order except arrays of scalars (sets). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  if (typeof a !== typeof b) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    const scalar = a.every((x) => typeof x !== 'object' || x === null);
    if (scalar) {
      const sa = [...a].map(String).sort();
      const sb = [...b].map(String).sort();
      return sa.every((x, i) => x === sb[i]);
    }
    return a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object).filter((k) => (a as Doc)[k] !== undefined);
    const kb = Object.keys(b as object).filter((k) => (b as Doc)[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => sameValue((a as Doc)[k], (b as Doc)[k]));
  }
  return false;
}

export function diffGuestFields(before: Doc, after: Doc, fields: readonly string[] = GUEST_DIFF_FIELDS): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const f of fields) {
    if (!sameValue(before[f], after[f])) changes.push({ field: f, before: before[f] ?? null, after: after[f] ?? null });
  }
  return changes;
}

/**
 * A disk's identity inside a cluster: its volid, plus the node for storages that are not shared (two nodes
 * can each hold a `local-lvm:vm-100-disk-0`).
 */
export function diskKey(d: Doc): string {
  const shared = d.shared === true;
  return `${String(d.cluster)}|${shared ? '' : String(d.node)}|${String(d.volid)}`;
}

/** Shared storage is one storage per cluster; local storage is one per node. */
export function storageKey(s: Doc): string {
  const shared = s.shared === true;
  return `${String(s.cluster)}|${shared ? '' : String(s.node ?? '')}|${String(s.storage)}`;
}

export function backupKey(b: Doc): string {
  return `${String(b.cluster)}|${String(b.storage ?? '')}|${String(b.volid ?? '')}`;
}

function index(docs: readonly Doc[], key: (d: Doc) => string): Map<string, Doc> {
  const m = new Map<string, Doc>();
  for (const d of docs) m.set(key(d), d);
  return m;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export function diffSnapshots(from: SnapshotSide, to: SnapshotSide): DiffResult {
  const gFrom = index(from.instances, guestKey);
  const gTo = index(to.instances, guestKey);
  const guests: DiffResult['guests'] = { created: [], deleted: [], migrated: [], changed: [] };
  for (const [k, after] of gTo) {
    const before = gFrom.get(k);
    if (!before) {
      guests.created.push(ref(after));
      continue;
    }
    if (before.node !== after.node || before.cluster !== after.cluster) {
      guests.migrated.push({
        ...ref(after),
        fromNode: before.node,
        toNode: after.node,
        fromCluster: String(before.cluster),
        toCluster: String(after.cluster),
      });
    }
    const changes = diffGuestFields(before, after);
    if (changes.length) guests.changed.push({ ...ref(after), changes });
  }
  for (const [k, before] of gFrom) if (!gTo.has(k)) guests.deleted.push(ref(before));

  const dFrom = index(from.disks, diskKey);
  const dTo = index(to.disks, diskKey);
  const disks: DiffResult['disks'] = { added: [], removed: [], resized: [] };
  for (const [k, after] of dTo) {
    const before = dFrom.get(k);
    if (!before) disks.added.push(after);
    else if (num(before.sizeBytes) !== num(after.sizeBytes)) {
      disks.resized.push({
        cluster: String(after.cluster),
        node: after.node,
        volid: String(after.volid),
        vmid: after.vmid,
        before: num(before.sizeBytes) ?? 0,
        after: num(after.sizeBytes) ?? 0,
      });
    }
  }
  for (const [k, before] of dFrom) if (!dTo.has(k)) disks.removed.push(before);

  const sFrom = index(from.storages, storageKey);
  const sTo = index(to.storages, storageKey);
  const storages: DiffResult['storages'] = [];
  for (const k of new Set([...sFrom.keys(), ...sTo.keys()])) {
    const b = sFrom.get(k);
    const a = sTo.get(k);
    const row = {
      cluster: String((a ?? b)?.cluster),
      storage: String((a ?? b)?.storage),
      ...((a ?? b)?.shared === true ? {} : { node: String((a ?? b)?.node ?? '') }),
      usedBefore: b ? num(b.usedBytes) : null,
      usedAfter: a ? num(a.usedBytes) : null,
      totalBefore: b ? num(b.totalBytes) : null,
      totalAfter: a ? num(a.totalBytes) : null,
    };
    if (row.usedBefore !== row.usedAfter || row.totalBefore !== row.totalAfter) storages.push(row);
  }

  const bFrom = index(from.backups, backupKey);
  const bTo = index(to.backups, backupKey);
  const backups: DiffResult['backups'] = {
    added: [...bTo].filter(([k]) => !bFrom.has(k)).map(([, v]) => v),
    removed: [...bFrom].filter(([k]) => !bTo.has(k)).map(([, v]) => v),
  };

  const guestOrder = byKey((g: GuestRef) => `${g.cluster}|${String(g.vmid).padStart(10, '0')}|${g.uid}`);
  guests.created.sort(guestOrder);
  guests.deleted.sort(guestOrder);
  guests.migrated.sort(guestOrder);
  guests.changed.sort(guestOrder);
  disks.added.sort(byKey(diskKey));
  disks.removed.sort(byKey(diskKey));
  disks.resized.sort(byKey((r) => `${r.cluster}|${r.volid}`));
  storages.sort(byKey((r) => `${r.cluster}|${r.storage}|${r.node ?? ''}`));
  backups.added.sort(byKey(backupKey));
  backups.removed.sort(byKey(backupKey));

  return {
    guests,
    disks,
    storages,
    backups,
    summary: {
      guestsCreated: guests.created.length,
      guestsDeleted: guests.deleted.length,
      guestsMigrated: guests.migrated.length,
      guestsChanged: guests.changed.length,
      disksAdded: disks.added.length,
      disksRemoved: disks.removed.length,
      disksResized: disks.resized.length,
      storagesChanged: storages.length,
      backupsAdded: backups.added.length,
      backupsRemoved: backups.removed.length,
    },
  };
}
