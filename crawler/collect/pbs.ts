import type { RegistryEntry } from '../../shared/registry/schema.ts';
import type { BackupDoc, ClusterDocuments, NodeDoc, Unstamped } from '../../shared/store/schemas.ts';
import { normalizeNodeStatus, normalizeVersion } from '../normalize/cluster.ts';
import {
  datastoreDoc,
  normalizeDatastores,
  normalizeDatastoreUsage,
  normalizeNamespaces,
  normalizeSnapshots,
} from '../normalize/pbs.ts';
import type { CrawlSession } from './session.ts';

/**
 * Collects one Proxmox Backup Server: /version, /admin/datastore, /status/datastore-usage (every datastore's
 * capacity in one call), the node's status, and per datastore its namespaces and the snapshots of each.
 */

const NODE = 'localhost';

export async function collectPbs(s: CrawlSession, entry: RegistryEntry): Promise<ClusterDocuments> {
  const cluster = entry.name;
  const [versionRaw, storesRaw, usageRaw, nodeRaw] = await Promise.all([
    s.get<unknown>('/version'),
    s.get<unknown>('/admin/datastore'),
    s.tryGet<unknown>('datastore usage', '/status/datastore-usage'),
    s.tryGet<unknown>('node status', ['nodes', NODE, 'status'], { quiet: true }),
  ]);
  // A Backup Server is one node: its listings are bound per node like a PVE node's.
  s.sizeForNodes(1);
  const stores = normalizeDatastores(storesRaw);
  const usage = normalizeDatastoreUsage(usageRaw);
  const backups: Unstamped<BackupDoc>[] = [];
  await Promise.all(
    stores.map(async (ds) => {
      const nsRaw = await s.tryGet<unknown>(
        `namespaces of ${ds.store}`,
        ['admin', 'datastore', ds.store, 'namespace'],
        {
          node: NODE,
        },
      );
      const namespaces = normalizeNamespaces(nsRaw);
      await Promise.all(
        namespaces.map(async (ns) => {
          const rows = await s.get<unknown>(['admin', 'datastore', ds.store, 'snapshots'], {
            node: NODE,
            ...(ns ? { query: { ns } } : {}),
          });
          backups.push(...normalizeSnapshots(cluster, entry.host, ds.store, ns, rows));
        }),
      );
    }),
  );
  backups.sort(
    (a, b) =>
      a.storage.localeCompare(b.storage) ||
      (a.namespace ?? '').localeCompare(b.namespace ?? '') ||
      a.volid.localeCompare(b.volid),
  );
  const version = normalizeVersion(versionRaw);
  const status = normalizeNodeStatus(nodeRaw);
  const node: Unstamped<NodeDoc> = {
    cluster,
    node: entry.host,
    status: 'online',
    online: true,
    cpus: status.cpus ?? 0,
    memTotalBytes: status.memTotalBytes ?? 0,
    memUsedBytes: status.memUsedBytes ?? 0,
  };
  for (const k of [
    'cpuModel',
    'cpuSockets',
    'cpuCores',
    'cpuMhz',
    'swapTotalBytes',
    'rootfsTotalBytes',
    'rootfsUsedBytes',
    'loadavg',
    'kernel',
    'bootMode',
    'uptime',
  ] as const) {
    if (status[k] !== undefined) (node as Record<string, unknown>)[k] = status[k];
  }
  return {
    cluster: {
      cluster,
      kind: 'pbs',
      host: entry.host,
      ...version,
      standalone: true,
      nodes: 1,
      nodesOnline: 1,
      groups: entry.groups,
    },
    nodes: [node],
    instances: [],
    disks: [],
    storages: stores.map((ds) => datastoreDoc(cluster, entry.host, ds, usage.get(ds.store))),
    backups,
  };
}
