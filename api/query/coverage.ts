import { type Doc, guestKey, guestName, isTemplate } from './guest-fields.ts';

/**
 * Backup coverage at one snapshot date: for each guest its newest backup and that backup's age at the
 * snapshot's date, whether it is newer than `maxAgeHours`, and the backups whose guest no longer exists.
 *
 * A backup belongs to a guest when the cluster and vmid match (or the uid, when the backup document carries
 * one) and it was made after the guest was created: a vmid reused by a new guest does not inherit the old
 * guest's backups. Backups read from a Proxmox Backup Server directly (`source: 'pbs'`) carry no PVE cluster,
 * so they are matched by vmid across clusters. Host backups and backups without a vmid belong to no guest and
 * are neither counted nor orphans. Templates are left out: they are not expected to change.
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

  const ownerOf = (b: Doc): Doc[] => {
    if (typeof b.uid === 'string') {
      const g = byUid.get(b.uid);
      return g ? [g] : [];
    }
    const candidates =
      b.source === 'pbs'
        ? typeof b.vmid === 'number'
          ? (byVmid.get(b.vmid) ?? [])
          : []
        : (byClusterVmid.get(`${String(b.cluster)}|${String(b.vmid)}`) ?? []);
    const t = backupTime(b);
    return candidates.filter((g) => {
      const created = guestCreated(g);
      return created === null || t === null || t >= created;
    });
  };

  const last = new Map<string, { t: number; volid: string; n: number }>();
  const orphans: Doc[] = [];
  for (const b of input.backups) {
    if (b.backupType === 'host' || (typeof b.vmid !== 'number' && typeof b.uid !== 'string')) continue;
    const owners = ownerOf(b);
    if (owners.length === 0) {
      orphans.push(b);
      continue;
    }
    const t = backupTime(b);
    for (const g of owners) {
      const k = guestKey(g);
      const cur = last.get(k) ?? { t: -1, volid: '', n: 0 };
      cur.n++;
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
      backups: l?.n ?? 0,
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

/**
 * The backups at one date that belong to a guest (same rule as coverage: same cluster and vmid, or a PBS
 * snapshot with its vmid, made after the guest was created), newest first.
 */
export function backupsOfGuest(guest: Doc, backups: readonly Doc[]): Doc[] {
  const created = guestCreated(guest);
  return backups
    .filter((b) => {
      if (b.backupType === 'host') return false;
      if (typeof b.uid === 'string') return b.uid === guest.uid;
      if (b.vmid !== guest.vmid) return false;
      if (b.source !== 'pbs' && b.cluster !== guest.cluster) return false;
      const t = backupTime(b);
      return created === null || t === null || t >= created;
    })
    .sort((a, b) => (backupTime(b) ?? 0) - (backupTime(a) ?? 0));
}
