import { formatSize, parseSize } from './config-format.ts';
import {
  type ClusterTruth,
  type EstateTruth,
  GiB,
  type GuestTruth,
  guestName,
  guestTemplate,
  type StorageTruth,
} from './estate.ts';
import {
  backupSize,
  createGuest,
  pbsSnapshot,
  randomArchetype,
  setRuntime,
  storageOnNode,
  takeVmid,
  vzdumpVolume,
} from './generate.ts';
import { hashSeed, Rng } from './rng.ts';
import { NOTES } from './wordlists.ts';

/** One step of estate time. */
export const STEP_SECONDS = 3600;
const VZDUMP_KEEP = 3;
const PBS_KEEP = 4;

export interface AdvanceHooks {
  /** Guests currently in a running task or HA transition are left alone. */
  busy?(cluster: ClusterTruth, vmid: number): boolean;
}

/**
 * Moves the estate on by one step (an hour): guests created (sometimes reusing a deleted vmid), deleted, migrated,
 * resized, started and stopped; runtime figures drift; backups made and pruned (vzdump and PBS). Deterministic for
 * a seed, preset and step number.
 */
export function advanceEstate(estate: EstateTruth, hooks: AdvanceHooks = {}): void {
  estate.step += 1;
  estate.time += STEP_SECONDS;
  estate.clusters.forEach((cluster, index) => {
    const rng = new Rng(hashSeed('advance', estate.seed, estate.preset, estate.step, index));
    advanceCluster(estate, cluster, index, rng, hooks);
  });
  estate.pbs.forEach((pbs, i) => {
    const rng = new Rng(hashSeed('advance-pbs', estate.seed, estate.step, i));
    for (const d of pbs.datastores) {
      for (const ns of d.namespaces) {
        const cluster = estate.clusters.find((c) => c.name === ns);
        if (!cluster) continue;
        for (const g of cluster.guests) {
          if (guestTemplate(g) || !rng.chance(0.05)) continue;
          d.snapshots.push(pbsSnapshot(rng, pbs.name, ns, g, estate.time - rng.int(0, 1800)));
        }
      }
      pruneGroups(d.snapshots, PBS_KEEP);
    }
  });
}

function pruneGroups<
  T extends { ns: string; backupType: string; backupId: string; backupTime: number; protected: boolean },
>(list: T[], keep: number): void {
  const groups = new Map<string, T[]>();
  for (const s of list) {
    const key = `${s.ns}|${s.backupType}|${s.backupId}`;
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  const drop = new Set<T>();
  for (const snaps of groups.values()) {
    const prunable = snaps.filter((s) => !s.protected).sort((a, b) => b.backupTime - a.backupTime);
    for (const s of prunable.slice(keep)) drop.add(s);
  }
  if (drop.size === 0) return;
  const kept = list.filter((s) => !drop.has(s));
  list.length = 0;
  list.push(...kept);
}

function advanceCluster(
  estate: EstateTruth,
  cluster: ClusterTruth,
  index: number,
  rng: Rng,
  hooks: AdvanceHooks,
): void {
  const size = cluster.guests.length;
  const busy = (g: GuestTruth) => hooks.busy?.(cluster, g.vmid) === true;
  const candidates = () => cluster.guests.filter((g) => !guestTemplate(g) && !g.config.lock && !busy(g));

  // Runtime drift.
  for (const g of cluster.guests) {
    if (g.status === 'stopped') continue;
    g.uptime += STEP_SECONDS;
    g.cpu = Math.round(Math.min(1, Math.max(0, g.cpu + (rng.next() - 0.5) * 0.1)) * 1e4) / 1e4;
    g.netin += rng.int(1e5, 1e9);
    g.netout += rng.int(1e5, 1e9);
    g.diskread += rng.int(1e5, 1e9);
    g.diskwrite += rng.int(1e5, 1e9);
  }
  for (const n of cluster.nodes) {
    n.cpu = Math.round(Math.min(1, Math.max(0.01, n.cpu + (rng.next() - 0.5) * 0.05)) * 100) / 100;
  }

  // Deletions (their backups stay behind as orphans).
  const deletions = rng.int(0, Math.max(1, Math.round(size * 0.01)));
  for (let i = 0; i < deletions; i++) {
    const list = candidates().filter((g) => !g.ha);
    if (list.length <= 4) break;
    const g = rng.pick(list);
    cluster.guests.splice(cluster.guests.indexOf(g), 1);
    cluster.volumes = cluster.volumes.filter(
      (v) => !(v.vmid === g.vmid && (v.content === 'images' || v.content === 'rootdir')),
    );
    cluster.deletedVmids.push(g.vmid);
  }

  // Creations, sometimes reusing a deleted vmid.
  const creations = rng.int(0, Math.max(1, Math.round(size * 0.012)));
  for (let i = 0; i < creations; i++) {
    let vmid: number;
    if (cluster.deletedVmids.length > 0 && rng.chance(0.35)) {
      vmid = cluster.deletedVmids.splice(rng.int(0, cluster.deletedVmids.length - 1), 1)[0] as number;
      if (cluster.guests.some((g) => g.vmid === vmid)) vmid = takeVmid(cluster, rng);
    } else vmid = takeVmid(cluster, rng);
    const archetype = randomArchetype(rng, cluster);
    delete archetype.cloneOf;
    archetype.template = false;
    const node = rng.pick(cluster.nodes).name;
    createGuest(cluster, index, rng.fork(`new-${vmid}`), {
      ...archetype,
      vmid,
      node,
      ctime: estate.time - rng.int(0, STEP_SECONDS),
    });
  }

  // A migration (local disks move along when the target has the storage).
  if (cluster.nodes.length > 1 && rng.chance(0.7)) {
    const g = rng.pick(candidates());
    const targets = cluster.nodes.filter((n) => n.name !== g?.node);
    if (g && targets.length > 0) {
      const target = rng.pick(targets).name;
      const local = cluster.volumes.filter(
        (v) => v.vmid === g.vmid && v.node === g.node && (v.content === 'images' || v.content === 'rootdir'),
      );
      const ok = local.every((v) => {
        const s = cluster.storages.find((x) => x.storage === v.storage) as StorageTruth;
        return storageOnNode(s, target);
      });
      if (ok) {
        for (const v of local) v.node = target;
        g.node = target;
      }
    }
  }

  // A disk grows.
  if (rng.chance(0.6)) {
    const g = rng.pick(candidates());
    if (g) resizeDisk(cluster, g, rng);
  }

  // Power changes (HA guests follow their HA state, so leave them alone).
  for (let i = 0; i < rng.int(0, 2); i++) {
    const g = rng.pick(candidates().filter((x) => !x.ha));
    if (!g) break;
    g.status = g.status === 'stopped' ? 'running' : 'stopped';
    setRuntime(g, rng);
  }

  // Notes edited now and then.
  if (rng.chance(0.3)) {
    const g = rng.pick(candidates());
    if (g) {
      g.config.description = `${rng.pick(NOTES)}\n(edited at step ${estate.step})`;
      const sorted = Object.entries(g.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const k of Object.keys(g.config)) delete g.config[k];
      for (const [k, v] of sorted) g.config[k] = v;
    }
  }

  // Backups: a few guests per step, then prune per guest.
  const nfs = cluster.storages.find((s) => s.storage === 'nfs');
  if (nfs) {
    for (const g of cluster.guests) {
      if (guestTemplate(g) || !rng.chance(0.04)) continue;
      const vol = vzdumpVolume(g, nfs, estate.time - rng.int(0, 1800), backupSize(g, rng));
      vol.notes = guestName(g);
      cluster.volumes.push(vol);
    }
    const byGuest = new Map<string, typeof cluster.volumes>();
    for (const v of cluster.volumes) {
      if (v.content !== 'backup' || v.protected) continue;
      const key = `${v.storage}|${v.node ?? ''}|${v.vmid}`;
      byGuest.set(key, [...(byGuest.get(key) ?? []), v]);
    }
    const drop = new Set<object>();
    for (const list of byGuest.values()) {
      list.sort((a, b) => b.ctime - a.ctime);
      for (const v of list.slice(VZDUMP_KEEP)) drop.add(v);
    }
    if (drop.size > 0) cluster.volumes = cluster.volumes.filter((v) => !drop.has(v));
  }
}

function resizeDisk(cluster: ClusterTruth, g: GuestTruth, rng: Rng): void {
  const key =
    g.type === 'lxc'
      ? 'rootfs'
      : Object.keys(g.config).find(
          (k) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && !String(g.config[k]).includes('media=cdrom'),
        );
  if (!key) return;
  const value = String(g.config[key]);
  const m = /size=(\d+(?:\.\d+)?[KMGT]?)/.exec(value);
  const volid = value.split(',')[0];
  if (!m || !volid) return;
  const next = parseSize(m[1] as string) + rng.pick([8, 16, 32]) * GiB;
  g.config[key] = value.replace(/size=[^,]+/, `size=${formatSize(next)}`);
  const vol = cluster.volumes.find((v) => v.volid === volid);
  if (vol) vol.size = next;
}
