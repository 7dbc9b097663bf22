import { type Doc, guestKey, guestName, isTemplate } from './guest-fields.ts';

/**
 * Backup coverage at one snapshot date: for each guest its newest backup and that backup's age at the
 * snapshot's date, whether it is newer than `maxAgeHours`, and the backups whose guest no longer exists.
 *
 * The rules are the backups report's (shared/reports/backup-index.ts), so the console and the files handed to
 * auditors agree. A guest's backups are those its own cluster lists on its storages (vzdump files, and the PBS
 * snapshots its `pbs` storages show) with its vmid (or uid, when the backup carries one), a type that fits
 * (vm/qemu, ct/lxc) and a time at or after the guest's creation: a vmid reused by a new guest does not inherit
 * the old guest's backups. One backup listed on two storages (same time) counts once. Backups read from a
 * Proxmox Backup Server directly (`source: 'pbs'`) carry no PVE cluster and are never credited to a guest
 * (they would credit one cluster's guest with another's backups, and count twice what PVE lists); they only
 * matter as orphans: one is orphaned when no guest of the PVE cluster named like its namespace (for any other
 * namespace: of any cluster) could own it. Host backups and backups without a vmid are neither counted nor
 * orphans. Templates are left out: they are not expected to change.
 */
export interface CoverageGuest {
  uid: string;
  cluster: string;
  node: unknown;
  vmid: unknown;
  name: string;
  type: unknown;
  lastBackup: number | null;
  lastBackupVolid: string | null;
  ageHours: number | null;
  backups: number;
  covered: boolean;
}

export interface CoverageResult {
  guests: CoverageGuest[];
  orphans: Doc[];
  summary: { covered: number; uncovered: number; total: number; orphans: number; maxAgeHours: number };
}

const backupTime = (b: Doc): number | null => (typeof b.backupTime === 'number' ? b.backupTime : null);
const guestCreated = (g: Doc): number | null => (typeof g.ctime === 'number' ? g.ctime : null);
const isPbsDirect = (b: Doc) => b.source === 'pbs';

const typeFits = (b: Doc, g: Doc) =>
  b.backupType === undefined ||
  (b.backupType === 'vm' ? g.type === 'qemu' : b.backupType === 'ct' ? g.type === 'lxc' : false);

/** Whether guest g could own backup b: type fits and the backup is not older than the guest. */
function couldOwn(g: Doc, b: Doc): boolean {
  if (!typeFits(b, g)) return false;
  const created = guestCreated(g);
  const t = backupTime(b);
  return created === null || t === null || t >= created;
}

export function backupCoverage(input: {
  date: number;
  maxAgeHours: number;
  instances: readonly Doc[];
  backups: readonly Doc[];
}): CoverageResult {
  const guests = input.instances.filter((g) => !isTemplate(g));
  const byClusterVmid = new Map<string, Doc[]>();
  const byVmid = new Map<number, Doc[]>();
  const byUid = new Map<string, Doc>();
  for (const g of input.instances) {
    const k = `${String(g.cluster)}|${String(g.vmid)}`;
    byClusterVmid.set(k, [...(byClusterVmid.get(k) ?? []), g]);
    if (typeof g.vmid === 'number') byVmid.set(g.vmid, [...(byVmid.get(g.vmid) ?? []), g]);
    if (typeof g.uid === 'string') byUid.set(g.uid, g);
  }
  const pveClusters = new Set(input.instances.map((g) => String(g.cluster)));

  /** The guests a backup listed by a PVE cluster belongs to. */
  const ownersOf = (b: Doc): Doc[] => {
    if (typeof b.uid === 'string') {
      const g = byUid.get(b.uid);
      return g ? [g] : [];
    }
    return (byClusterVmid.get(`${String(b.cluster)}|${String(b.vmid)}`) ?? []).filter((g) => couldOwn(g, b));
  };
  /** Whether some guest could own a backup read from a PBS directly. */
  const pbsBackupOwned = (b: Doc): boolean => {
    const ns = typeof b.namespace === 'string' ? b.namespace.split('/')[0] : undefined;
    const candidates =
      ns && pveClusters.has(ns)
        ? (byClusterVmid.get(`${ns}|${String(b.vmid)}`) ?? [])
        : (byVmid.get(b.vmid as number) ?? []);
    return candidates.some((g) => couldOwn(g, b));
  };

  const last = new Map<string, { t: number; volid: string; times: Set<number | null> }>();
  const orphans: Doc[] = [];
  for (const b of input.backups) {
    if (b.backupType === 'host' || (typeof b.vmid !== 'number' && typeof b.uid !== 'string')) continue;
    if (isPbsDirect(b)) {
      if (!pbsBackupOwned(b)) orphans.push(b);
      continue;
    }
    const owners = ownersOf(b);
    if (owners.length === 0) {
      orphans.push(b);
      continue;
    }
    const t = backupTime(b);
    for (const g of owners) {
      const k = guestKey(g);
      const cur = last.get(k) ?? { t: -1, volid: '', times: new Set() };
      cur.times.add(t);
      if (t !== null && t > cur.t) {
        cur.t = t;
        cur.volid = String(b.volid ?? '');
      }
      last.set(k, cur);
    }
  }

  const out: CoverageGuest[] = guests.map((g) => {
    const l = last.get(guestKey(g));
    const lastBackup = l && l.t >= 0 ? l.t : null;
    const ageHours = lastBackup === null ? null : Math.max(0, Math.round(((input.date - lastBackup) / 3600) * 10) / 10);
    return {
      uid: guestKey(g),
      cluster: String(g.cluster),
      node: g.node,
      vmid: g.vmid,
      name: guestName(g),
      type: g.type,
      lastBackup,
      lastBackupVolid: lastBackup === null ? null : (l?.volid ?? null),
      ageHours,
      backups: l?.times.size ?? 0,
      covered: ageHours !== null && ageHours <= input.maxAgeHours,
    };
  });
  // uncovered first, oldest (or never) backed up first
  const age = (g: CoverageGuest) => g.ageHours ?? Number.MAX_SAFE_INTEGER;
  out.sort((a, b) => Number(a.covered) - Number(b.covered) || age(b) - age(a) || (a.uid < b.uid ? -1 : 1));
  const covered = out.filter((g) => g.covered).length;
  return {
    guests: out,
    orphans,
    summary: {
      covered,
      uncovered: out.length - covered,
      total: out.length,
      orphans: orphans.length,
      maxAgeHours: input.maxAgeHours,
    },
  };
}

/** The backups at one date that belong to a guest (the coverage rule above), newest first. */
export function backupsOfGuest(guest: Doc, backups: readonly Doc[]): Doc[] {
  return backups
    .filter((b) => {
      if (b.backupType === 'host' || isPbsDirect(b)) return false;
      if (typeof b.uid === 'string') return b.uid === guest.uid;
      return b.vmid === guest.vmid && b.cluster === guest.cluster && couldOwn(guest, b);
    })
    .sort((a, b) => (backupTime(b) ?? 0) - (backupTime(a) ?? 0));
}
