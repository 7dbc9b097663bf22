import { z } from 'zod';

/**
 * The documents of a snapshot. Every inventory document carries the snapshot's `date` (integer epoch seconds
 * of the crawl's start) and the registry name of its `cluster`. The crawler validates what it builds against
 * these schemas in tests; the API and reports import the types.
 */

const date = z.number().int().positive();
const bytes = z.number().int().nonnegative();

/**
 * `running` while crawling; `complete`, `partial` (some clusters failed) or `failed` (all did) once published;
 * `abandoned` when its crawlers died: a tombstone that keeps late writes of a lost crawler cleanable.
 */
export const snapshotStatus = z.enum(['running', 'complete', 'partial', 'failed', 'abandoned']);
export type SnapshotStatus = z.infer<typeof snapshotStatus>;

/** Final statuses: a snapshot with one of these is published and never changes again. */
export const PUBLISHED_STATUSES = ['complete', 'partial', 'failed'] as const satisfies readonly SnapshotStatus[];
/** Published statuses whose snapshot holds inventory (a failed snapshot has none). */
export const READABLE_STATUSES = ['complete', 'partial'] as const satisfies readonly SnapshotStatus[];

export const counts = z.object({
  nodes: z.number().int().nonnegative(),
  nodesOnline: z.number().int().nonnegative(),
  instances: z.number().int().nonnegative(),
  qemu: z.number().int().nonnegative(),
  lxc: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  templates: z.number().int().nonnegative(),
  disks: z.number().int().nonnegative(),
  unattachedDisks: z.number().int().nonnegative(),
  storages: z.number().int().nonnegative(),
  backups: z.number().int().nonnegative(),
  backupBytes: bytes,
  duplicates: z.number().int().nonnegative(),
});
export type Counts = z.infer<typeof counts>;

/** Allocated versus physical capacity of one node or one cluster. */
export const capacity = z.object({
  cpuPhysical: z.number().int().nonnegative(),
  cpuAllocated: z.number().int().nonnegative(),
  cpuAllocatedRunning: z.number().int().nonnegative(),
  memPhysicalBytes: bytes,
  memUsedBytes: bytes,
  memAllocatedBytes: bytes,
  memAllocatedRunningBytes: bytes,
  /** Storage capacity; shared storage counted once per cluster (a node's own figure covers local storage). */
  storageTotalBytes: bytes,
  storageUsedBytes: bytes,
  /** Sum of the sizes of guest disks (attached and unused) and unattached volumes. */
  diskAllocatedBytes: bytes,
});
export type Capacity = z.infer<typeof capacity>;

export const nodeRollup = capacity.extend({ node: z.string(), instances: z.number().int().nonnegative() });
export type NodeRollup = z.infer<typeof nodeRollup>;

export const clusterRollup = capacity.extend({
  /** Shared storage of the cluster, counted once. */
  sharedStorageTotalBytes: bytes,
  sharedStorageUsedBytes: bytes,
  nodes: z.array(nodeRollup),
});
export type ClusterRollup = z.infer<typeof clusterRollup>;

/** One cluster's outcome in a snapshot. `copiedFrom` marks an outcome carried over by an on-demand crawl. */
export const clusterOutcome = z.object({
  name: z.string(),
  kind: z.enum(['pve', 'pbs']),
  ok: z.boolean(),
  error: z.string().optional(),
  errorCode: z.string().optional(),
  counts,
  calls: z.number().int().nonnegative(),
  callsByEndpoint: z.record(z.string(), z.number().int().nonnegative()),
  durationMs: z.number().int().nonnegative(),
  /** Parts that could not be read (an offline node, a storage listing that failed), at most 50. */
  warnings: z.array(z.string()).optional(),
  rollup: clusterRollup.optional(),
  /** The crawl run (lease token) whose documents are this cluster's in this snapshot. */
  run: z.string(),
  crawler: z.string(),
  copiedFrom: date.optional(),
  finishedAt: z.date(),
});
export type ClusterOutcome = z.infer<typeof clusterOutcome>;

/** An outcome while the snapshot runs: one document per (date, cluster), unique, so it is recorded once. */
export type OutcomeDoc = ClusterOutcome & { date: number };

export const snapshotDoc = z.object({
  date,
  status: snapshotStatus,
  /** What started it: the schedule, `crawl --once`, or an on-demand request for one cluster. */
  trigger: z.enum(['schedule', 'once', 'on-demand']),
  startedAt: z.date(),
  finishedAt: z.date().optional(),
  abandonedAt: z.date().optional(),
  /** After this, a snapshot still running is finalised by whoever is waiting, or removed by cleanup. */
  deadline: z.date(),
  /** The clusters this snapshot covers: the enabled registry entries when it was created. */
  expected: z.array(z.string()),
  /** One entry per finished cluster (an array: cluster names may contain dots). */
  clusters: z.array(clusterOutcome),
  totals: counts
    .extend({ clusters: z.number().int().nonnegative(), clustersOk: z.number().int().nonnegative() })
    .optional(),
  rollups: capacity.optional(),
});
export type SnapshotDoc = z.infer<typeof snapshotDoc>;

/** `run` is the crawl run (lease token) that wrote the document; see runs.ts. */
const base = { date, cluster: z.string(), run: z.string() };

export const clusterDoc = z.object({
  ...base,
  kind: z.enum(['pve', 'pbs']),
  /** The name Proxmox knows the cluster by (`/cluster/status`), or the host name of a standalone node/PBS. */
  clusterName: z.string().optional(),
  host: z.string(),
  version: z.string().optional(),
  release: z.string().optional(),
  repoid: z.string().optional(),
  quorate: z.boolean().optional(),
  standalone: z.boolean(),
  nodes: z.number().int().nonnegative(),
  nodesOnline: z.number().int().nonnegative(),
  ha: z
    .object({
      quorate: z.boolean().optional(),
      master: z.string().optional(),
      masterStatus: z.string().optional(),
      services: z.number().int().nonnegative(),
    })
    .optional(),
  groups: z.array(z.string()),
});
export type ClusterDoc = z.infer<typeof clusterDoc>;

export const nodeDoc = z.object({
  ...base,
  node: z.string(),
  status: z.string(),
  online: z.boolean(),
  nodeid: z.number().int().optional(),
  ip: z.string().optional(),
  uptime: z.number().int().nonnegative().optional(),
  cpuModel: z.string().optional(),
  cpuSockets: z.number().int().optional(),
  cpuCores: z.number().int().optional(),
  /** Logical CPUs (threads), `maxcpu` in /cluster/resources. */
  cpus: z.number().int().nonnegative(),
  cpuMhz: z.number().optional(),
  cpuUsage: z.number().optional(),
  memTotalBytes: bytes,
  memUsedBytes: bytes,
  swapTotalBytes: bytes.optional(),
  rootfsTotalBytes: bytes.optional(),
  rootfsUsedBytes: bytes.optional(),
  loadavg: z.array(z.number()).optional(),
  pveVersion: z.string().optional(),
  kernel: z.string().optional(),
  bootMode: z.string().optional(),
  haState: z.string().optional(),
  /** Set when the node is in the registry's excludeNodes: its guests are not collected. */
  excluded: z.boolean().optional(),
});
export type NodeDoc = z.infer<typeof nodeDoc>;

export const nic = z.object({
  key: z.string(),
  model: z.string().optional(),
  mac: z.string().optional(),
  bridge: z.string().optional(),
  vlan: z.number().int().optional(),
  firewall: z.boolean(),
  linkDown: z.boolean(),
  /** LXC interface name inside the container, and its static addresses from the config. */
  name: z.string().optional(),
  ip: z.string().optional(),
  ip6: z.string().optional(),
});
export type Nic = z.infer<typeof nic>;

export const instanceDoc = z.object({
  ...base,
  node: z.string(),
  vmid: z.number().int().positive(),
  /** Stable identity: same across migrations inside a cluster, new when a vmid is reused. */
  uid: z.string(),
  uidSource: z.enum(['ctime', 'carried', 'minted', 'marker']),
  type: z.enum(['qemu', 'lxc']),
  name: z.string(),
  status: z.string(),
  template: z.boolean(),
  pool: z.string().optional(),
  tags: z.array(z.string()),
  notes: z.string().optional(),
  onboot: z.boolean(),
  agent: z.boolean(),
  ctime: z.number().int().optional(),
  lock: z.string().optional(),
  ostype: z.string().optional(),
  machine: z.string().optional(),
  bios: z.string().optional(),
  unprivileged: z.boolean().optional(),
  sockets: z.number().int().optional(),
  cores: z.number().int().optional(),
  /** Virtual CPUs the guest gets (qemu: vcpus or sockets x cores; lxc: cores, 0 = unlimited). */
  vcpus: z.number().int().nonnegative(),
  memoryBytes: bytes,
  balloonBytes: bytes.optional(),
  swapBytes: bytes.optional(),
  /** Sum of the sizes of the guest's attached disks (cdroms excluded). */
  diskBytes: bytes,
  disks: z.number().int().nonnegative(),
  nics: z.array(nic),
  ips: z.array(z.string()),
  /** When `ips` were read from the guest agent (epoch seconds); carried over between snapshots. */
  ipsAt: z.number().int().optional(),
  ha: z.object({ state: z.string().optional(), group: z.string().optional() }).optional(),
  uptime: z.number().int().nonnegative().optional(),
  cpuUsage: z.number().optional(),
  memUsedBytes: bytes.optional(),
  digest: z.string().optional(),
  /** The uid of the guest this one is a copy of (same notes marker or same MAC address). */
  duplicateOf: z.string().optional(),
  /** The config could not be read (node offline, error): only /cluster/resources data is known. */
  configMissing: z.boolean().optional(),
});
export type InstanceDoc = z.infer<typeof instanceDoc>;

export const diskDoc = z.object({
  ...base,
  /** The node the volume was seen on (the guest's node; for shared storage, the node that listed it). */
  node: z.string(),
  storage: z.string().optional(),
  /** `storage:volname`, or a path for pass-through devices and bind mounts. */
  volid: z.string(),
  vmid: z.number().int().optional(),
  uid: z.string().optional(),
  guestType: z.enum(['qemu', 'lxc']).optional(),
  /** Config key (`scsi0`, `rootfs`, `mp0`, `unused1`); absent for unattached volumes. */
  key: z.string().optional(),
  bus: z.string().optional(),
  sizeBytes: bytes,
  format: z.string().optional(),
  attached: z.boolean(),
  unused: z.boolean(),
  shared: z.boolean().optional(),
  options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  mountpoint: z.string().optional(),
});
export type DiskDoc = z.infer<typeof diskDoc>;

export const storageDoc = z.object({
  ...base,
  storage: z.string(),
  /** Absent for shared storage, which is one document for the whole cluster. */
  node: z.string().optional(),
  /** Nodes that can see the storage (for shared storage, every node listing it). */
  nodes: z.array(z.string()),
  type: z.string(),
  content: z.array(z.string()),
  shared: z.boolean(),
  status: z.string(),
  active: z.boolean(),
  totalBytes: bytes,
  usedBytes: bytes,
  availBytes: bytes,
  /** PBS datastores only. */
  datastore: z.string().optional(),
  gcStatus: z.string().optional(),
  estimatedFullDate: z.number().int().optional(),
});
export type StorageDoc = z.infer<typeof storageDoc>;

export const backupDoc = z.object({
  ...base,
  source: z.enum(['pve-storage', 'pbs']),
  storage: z.string(),
  node: z.string().optional(),
  namespace: z.string().optional(),
  volid: z.string(),
  vmid: z.number().int().optional(),
  backupType: z.enum(['vm', 'ct', 'host']).optional(),
  backupTime: z.number().int().optional(),
  sizeBytes: bytes,
  format: z.string().optional(),
  notes: z.string().optional(),
  protected: z.boolean(),
  encrypted: z.boolean(),
  verification: z.string().optional(),
  owner: z.string().optional(),
  files: z.array(z.string()).optional(),
});
export type BackupDoc = z.infer<typeof backupDoc>;

export type Unstamped<T> = Omit<T, 'date' | 'run'>;

/** The documents one cluster contributes to a snapshot, before `date` and `run` are stamped on them. */
export interface ClusterDocuments {
  cluster: Unstamped<ClusterDoc>;
  nodes: Unstamped<NodeDoc>[];
  instances: Unstamped<InstanceDoc>[];
  disks: Unstamped<DiskDoc>[];
  storages: Unstamped<StorageDoc>[];
  backups: Unstamped<BackupDoc>[];
}
