import { backupsOfGuest } from './coverage.ts';
import type { Doc } from './guest-fields.ts';

/**
 * The life of one guest across snapshots: one item per date it appears in, with where it ran, its status,
 * its resources, its disks and its newest backup at that date. Inputs are the guest's documents (by uid),
 * its disks (by uid) and the backups that may be its own; all already bounded to the dates wanted.
 */
export interface HistoryItem {
  date: number;
  cluster: string;
  node: string;
  vmid: number;
  name: string;
  status: string;
  type: string;
  vcpus: number | null;
  memoryBytes: number | null;
  diskBytes: number | null;
  disks: { volid: string; storage: string | null; key: string | null; sizeBytes: number | null; attached: boolean }[];
  backups: number;
  lastBackup: { volid: string; backupTime: number | null; sizeBytes: number | null; storage: string | null } | null;
}

const num = (v: unknown) => (typeof v === 'number' ? v : null);
const strOrNull = (v: unknown) => (typeof v === 'string' ? v : null);

export function guestHistory(instances: readonly Doc[], disks: readonly Doc[], backups: readonly Doc[]): HistoryItem[] {
  const disksByDate = new Map<number, Doc[]>();
  for (const d of disks) disksByDate.set(Number(d.date), [...(disksByDate.get(Number(d.date)) ?? []), d]);
  const backupsByDate = new Map<number, Doc[]>();
  for (const b of backups) backupsByDate.set(Number(b.date), [...(backupsByDate.get(Number(b.date)) ?? []), b]);
  return [...instances]
    .sort((a, b) => Number(a.date) - Number(b.date))
    .map((g) => {
      const date = Number(g.date);
      const own = backupsOfGuest(g, backupsByDate.get(date) ?? []);
      const newest = own[0];
      return {
        date,
        cluster: String(g.cluster),
        node: String(g.node),
        vmid: Number(g.vmid),
        name: String(g.name ?? ''),
        status: String(g.status ?? ''),
        type: String(g.type ?? ''),
        vcpus: num(g.vcpus),
        memoryBytes: num(g.memoryBytes),
        diskBytes: num(g.diskBytes),
        disks: (disksByDate.get(date) ?? [])
          .map((d) => ({
            volid: String(d.volid),
            storage: strOrNull(d.storage),
            key: strOrNull(d.key),
            sizeBytes: num(d.sizeBytes),
            attached: d.attached === true,
          }))
          .sort((a, b) => (a.key ?? '~').localeCompare(b.key ?? '~') || a.volid.localeCompare(b.volid)),
        backups: own.length,
        lastBackup: newest
          ? {
              volid: String(newest.volid),
              backupTime: num(newest.backupTime),
              sizeBytes: num(newest.sizeBytes),
              storage: strOrNull(newest.storage),
            }
          : null,
      };
    });
}
