/**
 * What the reports must say, computed from the simulator's truth (its own data, not the API answers or the
 * stored documents), with the matching rules the reports document.
 */

import { expectedCluster } from '../crawler/expected.ts';
import { type ClusterTruth, type EstateTruth, type GuestTruth, guestTemplate } from '../simulator/estate.ts';

export interface ExpectedBackup {
  time: number;
  volid: string;
}

const typeOf = (g: GuestTruth) => (g.type === 'qemu' ? 'vm' : 'ct');

/** The creation time the crawler can see: the qemu `meta` line (containers have none). */
export function visibleCtime(g: GuestTruth): number {
  const m = /ctime=(\d+)/.exec(String(g.config.meta ?? ''));
  return g.type === 'qemu' && m ? Number(m[1]) : 0;
}

/** Every backup a PVE cluster lists: vzdump volumes and the PBS snapshots of its pbs storages' namespaces. */
export function clusterBackups(truth: EstateTruth, c: ClusterTruth) {
  const out: { volid: string; vmid?: number; type?: 'vm' | 'ct' | 'host'; time: number }[] = [];
  for (const v of c.volumes) {
    if (v.content !== 'backup') continue;
    const type = v.subtype === 'qemu' ? 'vm' : v.subtype === 'lxc' ? 'ct' : undefined;
    out.push({ volid: v.volid, vmid: v.vmid, type, time: v.ctime });
  }
  for (const s of c.storages) {
    if (s.type !== 'pbs' || !s.pbs) continue;
    const ds = truth.pbs.find((p) => p.name === s.pbs!.server)?.datastores.find((d) => d.store === s.pbs!.datastore);
    for (const snap of ds?.snapshots ?? []) {
      if (snap.ns !== s.pbs.namespace || snap.backupType === 'host') continue;
      const iso = new Date(snap.backupTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      out.push({
        volid: `${s.storage}:backup/${snap.backupType}/${snap.backupId}/${iso}`,
        vmid: Number(snap.backupId),
        type: snap.backupType,
        time: snap.backupTime,
      });
    }
  }
  return out;
}

export interface GuestExpectation {
  id: string;
  cluster: string;
  guest: GuestTruth;
  template: boolean;
  /** newest own-cluster backup made since the guest's (visible) creation */
  lastBackup?: number;
  backups: number;
}

export function guestExpectations(truth: EstateTruth): GuestExpectation[] {
  const out: GuestExpectation[] = [];
  for (const c of truth.clusters) {
    const backups = clusterBackups(truth, c);
    for (const g of c.guests) {
      const mine = backups.filter(
        (b) => b.vmid === g.vmid && (!b.type || b.type === typeOf(g)) && b.time >= visibleCtime(g),
      );
      const times = new Set(mine.map((b) => b.time));
      out.push({
        id: `${c.name}/${g.vmid}`,
        cluster: c.name,
        guest: g,
        template: guestTemplate(g),
        lastBackup: times.size ? Math.max(...times) : undefined,
        backups: times.size,
      });
    }
  }
  return out;
}

/** Orphaned backups as the backups report identifies them (`cluster/volid`). */
export function expectedOrphanBackups(truth: EstateTruth): string[] {
  const owns = (guests: GuestTruth[], vmid: number | undefined, type: string | undefined, time: number) =>
    vmid === undefined ||
    type === 'host' ||
    guests.some((g) => g.vmid === vmid && (!type || type === typeOf(g)) && time >= visibleCtime(g));
  const out: string[] = [];
  for (const c of truth.clusters) {
    for (const b of clusterBackups(truth, c))
      if (!owns(c.guests, b.vmid, b.type, b.time)) out.push(`${c.name}/${b.volid}`);
  }
  const allGuests = truth.clusters.flatMap((c) => c.guests);
  for (const p of truth.pbs) {
    for (const d of p.datastores) {
      for (const s of d.snapshots) {
        const cluster = truth.clusters.find((c) => c.name === s.ns.split('/')[0]);
        const vmid = /^\d+$/.test(s.backupId) ? Number(s.backupId) : undefined;
        if (owns(cluster ? cluster.guests : allGuests, vmid, s.backupType, s.backupTime)) continue;
        const iso = new Date(s.backupTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        out.push(`${p.name}/${s.ns ? `ns/${s.ns}/` : ''}${s.backupType}/${s.backupId}/${iso}`);
      }
    }
  }
  return out.sort();
}

/** Unattached volumes and unused disks: `volid kind`. */
export function expectedOrphanVolumes(truth: EstateTruth): string[] {
  const out: string[] = [];
  for (const c of truth.clusters) {
    const e = expectedCluster(truth, c);
    for (const v of e.unattached) out.push(`${c.name} ${v.volid} unattached`);
    for (const g of e.guests) for (const d of g.disks) if (d.unused) out.push(`${c.name} ${d.volid} unused`);
  }
  return out.sort();
}

/** A guest's identity across two truths: cluster, vmid and creation time. */
export const identity = (cluster: string, g: GuestTruth) => `${cluster}/${g.vmid}/${g.ctime}`;
