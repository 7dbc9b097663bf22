/**
 * The read-only endpoints monitoring tools call besides the inventory ones (prometheus-pve-exporter's cluster and
 * node collectors): subscription, replication jobs, guests without a backup job, QDevice status.
 */
import { createHash } from 'node:crypto';
import type { BackupJobTruth, ClusterTruth } from '../estate.ts';
import type { RouteDef } from '../runtime.ts';
import type { PveEnv } from './routes.ts';

export type AddRoute = (
  method: RouteDef['method'],
  template: string,
  handler: RouteDef['handler'],
  extra?: Partial<RouteDef>,
) => void;

export function addMonitoringRoutes(add: AddRoute, env: PveEnv): void {
  // The estate has no subscription keys: PVE answers `notfound` with the node's server id.
  add('GET', '/nodes/{node}/subscription', (ctx) => ({
    status: 'notfound',
    message: 'There is no subscription key',
    serverid: createHash('md5').update(String(ctx.args.node)).digest('hex').toUpperCase(),
  }));
  // No storage replication jobs in the estate.
  add('GET', '/nodes/{node}/replication', () => []);
  add('GET', '/cluster/backup-info/not-backed-up', () => notBackedUp(env.state.truth));
  // Without a QDevice socket PVE answers an empty object.
  add('GET', '/cluster/config/qdevice', () => ({}));
}

/** Guests no backup job covers, as PVE's BackupInfo does it (every job counts, enabled or not). */
export function notBackedUp(cluster: ClusterTruth): { vmid: number; name: string; type: 'qemu' | 'lxc' }[] {
  const covered = new Set<number>();
  for (const job of cluster.backupJobs) for (const vmid of jobGuests(cluster, job)) covered.add(vmid);
  return cluster.guests
    .filter((g) => !covered.has(g.vmid))
    .sort((a, b) => a.vmid - b.vmid)
    .map((g) => ({
      vmid: g.vmid,
      name: String(g.config[g.type === 'qemu' ? 'name' : 'hostname'] ?? ''),
      type: g.type,
    }));
}

/** PVE::VZDump::get_included_guests: the pool's members, the vmid list or all guests, limited to the job's node. */
function jobGuests(cluster: ClusterTruth, job: BackupJobTruth): number[] {
  let picked: number[];
  if (job.pool) picked = cluster.guests.filter((g) => g.pool === job.pool).map((g) => g.vmid);
  else if (job.vmid)
    picked = job.vmid
      .split(/[,;\s]+/)
      .filter(Boolean)
      .map(Number);
  else if (job.all) picked = cluster.guests.map((g) => g.vmid);
  else return [];
  const nodeOf = new Map(cluster.guests.map((g) => [g.vmid, g.node]));
  return picked.filter((vmid) => nodeOf.has(vmid) && (job.node === undefined || nodeOf.get(vmid) === job.node));
}
