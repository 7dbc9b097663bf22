/**
 * Which backups belong to which guest, kept compact (two numbers per backup, details only for the newest per
 * vmid) so that a cluster with many thousands of backups is indexed in little memory.
 *
 * Matching rules: a guest's backups are those its own cluster lists on its storages (vzdump files, and the
 * PBS snapshots of the namespace its `pbs` storage points at) with the guest's vmid, a type that fits (vm/qemu,
 * ct/lxc) and a time at or after the guest's creation: a vmid reused by a new guest does not inherit the old
 * guest's backups. Backups read from a Proxmox Backup Server directly carry no PVE cluster; they only matter
 * for orphans: one is orphaned when no guest of the PVE cluster named like its namespace (or, for any other
 * namespace, of any PVE cluster) could own it. (Matching them to guests by vmid across clusters would credit
 * one cluster's guest with another cluster's backups.)
 */
import type { Db } from 'mongodb';
import type { BackupDoc, InstanceDoc } from '../store/schemas.ts';

const PROTECTED = 1;
const VERIFIED = 2;
const VERIFY_FAILED = 4;
const ENCRYPTED = 8;

export interface NewestBackup {
  time: number;
  volid: string;
  storage: string;
  cluster: string;
  sizeBytes: number;
  protected: boolean;
  encrypted: boolean;
  verification?: string;
}

interface VmidBackups {
  /** backup time and flag bits, interleaved: [t0, f0, t1, f1, ...] */
  entries: number[];
  newest?: NewestBackup;
  type?: 'vm' | 'ct' | 'host';
}

export interface GuestBackups {
  count: number;
  protected: number;
  verified: number;
  verifyFailed: number;
  newest?: NewestBackup;
}

const BACKUP_PROJECTION = {
  _id: 0,
  namespace: 1,
  volid: 1,
  vmid: 1,
  storage: 1,
  cluster: 1,
  backupType: 1,
  backupTime: 1,
  sizeBytes: 1,
  protected: 1,
  encrypted: 1,
  verification: 1,
} as const;

export type BackupRow = Pick<
  BackupDoc,
  | 'volid'
  | 'namespace'
  | 'vmid'
  | 'storage'
  | 'cluster'
  | 'backupType'
  | 'backupTime'
  | 'sizeBytes'
  | 'protected'
  | 'encrypted'
  | 'verification'
>;

export function backupsOf(db: Db, date: number, cluster: string): AsyncIterable<BackupRow> {
  return db
    .collection<BackupDoc>('backups')
    .find({ date, cluster }, { projection: BACKUP_PROJECTION })
    .batchSize(1000) as unknown as AsyncIterable<BackupRow>;
}

const typeFits = (backupType: string | undefined, guestType: string) =>
  backupType === undefined || (backupType === 'vm' ? guestType === 'qemu' : backupType === 'ct' && guestType === 'lxc');

export class BackupIndex {
  private readonly byVmid = new Map<string, VmidBackups>();

  add(b: BackupRow): void {
    if (b.vmid === undefined || b.backupType === 'host') return;
    const key = `${b.backupType ?? ''}:${b.vmid}`;
    let v = this.byVmid.get(key);
    if (!v) {
      v = { entries: [], type: b.backupType };
      this.byVmid.set(key, v);
    }
    const t = b.backupTime ?? 0;
    const flags =
      (b.protected ? PROTECTED : 0) |
      (b.verification === 'ok' ? VERIFIED : 0) |
      (b.verification === 'failed' ? VERIFY_FAILED : 0) |
      (b.encrypted ? ENCRYPTED : 0);
    v.entries.push(t, flags);
    if (!v.newest || t > v.newest.time) {
      v.newest = {
        time: t,
        volid: b.volid,
        storage: b.storage,
        cluster: b.cluster,
        sizeBytes: b.sizeBytes,
        protected: b.protected,
        encrypted: b.encrypted,
        verification: b.verification,
      };
    }
  }

  static async load(db: Db, date: number, clusters: readonly string[]): Promise<BackupIndex> {
    const index = new BackupIndex();
    for (const cluster of clusters) for await (const b of backupsOf(db, date, cluster)) index.add(b);
    return index;
  }

  /** Backups of one guest: those of its vmid and type, made at or after its creation. */
  forGuest(
    guest: Pick<InstanceDoc, 'vmid' | 'type' | 'ctime'>,
    into: Map<number, number> = new Map(),
  ): Map<number, number> {
    const created = guest.ctime ?? 0;
    for (const prefix of ['', guest.type === 'qemu' ? 'vm' : 'ct']) {
      const v = this.byVmid.get(`${prefix}:${guest.vmid}`);
      if (!v || !typeFits(v.type, guest.type)) continue;
      for (let i = 0; i < v.entries.length; i += 2) {
        const t = v.entries[i]!;
        if (t >= created) into.set(t, (into.get(t) ?? 0) | v.entries[i + 1]!);
      }
    }
    return into;
  }

  newestFor(guest: Pick<InstanceDoc, 'vmid' | 'type' | 'ctime'>): NewestBackup | undefined {
    let best: NewestBackup | undefined;
    for (const prefix of ['', guest.type === 'qemu' ? 'vm' : 'ct']) {
      const n = this.byVmid.get(`${prefix}:${guest.vmid}`)?.newest;
      if (n && n.time >= (guest.ctime ?? 0) && (!best || n.time > best.time)) best = n;
    }
    return best;
  }
}

/** A guest's backups from its own cluster's index; one backup listed on two storages (same time) counts once. */
export function guestBackups(guest: Pick<InstanceDoc, 'vmid' | 'type' | 'ctime'>, own: BackupIndex): GuestBackups {
  const times = own.forGuest(guest);
  let prot = 0;
  let verified = 0;
  let failed = 0;
  for (const flags of times.values()) {
    if (flags & PROTECTED) prot++;
    if (flags & VERIFIED) verified++;
    if (flags & VERIFY_FAILED) failed++;
  }
  return { count: times.size, protected: prot, verified, verifyFailed: failed, newest: own.newestFor(guest) };
}

/** The guests a backup may belong to, by vmid: their type and creation time. */
export type GuestsByVmid = Map<number, { type: string; ctime?: number }[]>;

export function isOrphan(b: BackupRow, guests: GuestsByVmid | undefined): boolean {
  if (b.backupType === 'host') return false;
  if (b.vmid === undefined) return false;
  const candidates = guests?.get(b.vmid) ?? [];
  return !candidates.some((g) => typeFits(b.backupType, g.type) && (b.backupTime ?? 0) >= (g.ctime ?? 0));
}

export async function loadGuestsByVmid(db: Db, date: number, clusters: readonly string[]): Promise<GuestsByVmid> {
  const out: GuestsByVmid = new Map();
  for (const cluster of clusters) {
    const cursor = db
      .collection<InstanceDoc>('instances')
      .find({ date, cluster }, { projection: { _id: 0, vmid: 1, type: 1, ctime: 1 } });
    for await (const g of cursor) {
      const list = out.get(g.vmid) ?? [];
      list.push({ type: g.type, ctime: g.ctime });
      out.set(g.vmid, list);
    }
  }
  return out;
}
