/**
 * The simulated estate: plain data, deep-copied by `Simulator.truth()` so tests can compare what a crawler stored
 * with what the simulator serves. Everything here is derived from the seed and preset (plus `advance()` steps):
 * two simulators started with the same seed and preset have equal truths (certificates and tickets are not part of
 * the truth).
 */
export type Preset = 'tiny' | 'small' | 'medium' | 'large';
export type GuestType = 'qemu' | 'lxc';
export type GuestStatus = 'running' | 'stopped' | 'paused';
/** A config value as the config GET returns it: numbers for integer keys, strings for everything else. */
export type ConfigValue = string | number;

export interface EstateTruth {
  seed: number;
  preset: Preset;
  /** How many `advance()` steps have been applied. */
  step: number;
  /** The estate's clock (epoch seconds): backups, creation times and task times of `advance()` use it. */
  time: number;
  clusters: ClusterTruth[];
  pbs: PbsTruth[];
}

export interface ClusterTruth {
  name: string;
  version: { version: string; release: string; repoid: string };
  nodes: NodeTruth[];
  guests: GuestTruth[];
  storages: StorageTruth[];
  /** Every volume on every storage (images, container volumes, ISOs, templates, vzdump backups); PBS backups live in `pbs`. */
  volumes: VolumeTruth[];
  pools: PoolTruth[];
  backupJobs: BackupJobTruth[];
  /** Next vmid a created guest gets when no deleted vmid is reused. */
  nextVmid: number;
  /** vmids of deleted guests; `advance()` sometimes reuses one. */
  deletedVmids: number[];
}

export interface NodeTruth {
  name: string;
  nodeid: number;
  ip: string;
  online: boolean;
  sockets: number;
  cores: number;
  /** Logical CPUs (maxcpu). */
  cpus: number;
  cpuModel: string;
  mhz: string;
  maxmem: number;
  /** Root filesystem size. */
  maxdisk: number;
  kversion: string;
  kernelRelease: string;
  pveversion: string;
  /** Node uptime in seconds at estate time 0 (it grows with `advance()`). */
  uptime: number;
  cpu: number;
  mem: number;
  disk: number;
  /** Deterministic stand-in for the node certificate's fingerprint (the listener's real certificate is on nodes[0]). */
  sslFingerprint: string;
}

export interface NetTruth {
  /** Config key, e.g. net0. */
  key: string;
  mac: string;
  bridge: string;
  vlan?: number;
  model: string;
  firewall: boolean;
  /** Container NICs: interface name and static address. */
  ifname?: string;
  ip?: string;
  gw?: string;
}

export interface AgentInterfaceTruth {
  name: string;
  mac: string;
  ips: { address: string; type: 'ipv4' | 'ipv6'; prefix: number }[];
}

export interface GuestTruth {
  type: GuestType;
  vmid: number;
  node: string;
  status: GuestStatus;
  /** The pool the guest belongs to (pools are in user.cfg, not the guest config). */
  pool?: string;
  /**
   * The guest's config file as key → value, in the order written (includes description, name/hostname, tags, lock,
   * template, disks, nets, meta). The API's `digest` is the SHA-1 of this file's text.
   */
  config: Record<string, ConfigValue>;
  /** Runtime figures (zero when stopped). */
  cpu: number;
  mem: number;
  disk: number;
  netin: number;
  netout: number;
  diskread: number;
  diskwrite: number;
  uptime: number;
  pid?: number;
  /**
   * The QEMU guest agent is installed in the guest: with `agent` enabled in the config and the VM running it
   * answers, and `agentInterfaces` is what network-get-interfaces returns.
   */
  agentInstalled: boolean;
  agentInterfaces: AgentInterfaceTruth[];
  ha?: HaTruth;
  /** Creation time (from the meta line for qemu). */
  ctime: number;
  /** vmid of the guest this one was cloned from (same name and settings), if any. */
  clonedFrom?: number;
}

export interface HaTruth {
  /** Requested state (ha-manager set --state). */
  state: 'started' | 'stopped' | 'disabled' | 'ignored';
  group?: string;
  maxRestart: number;
  maxRelocate: number;
  comment?: string;
}

export type StorageType = 'dir' | 'lvmthin' | 'zfspool' | 'nfs' | 'rbd' | 'pbs';

export interface StorageTruth {
  storage: string;
  type: StorageType;
  content: string[];
  shared: boolean;
  /** Nodes the storage is available on; absent means all nodes. */
  nodes?: string[];
  /** Capacity in bytes (per node for local storages). */
  total: number;
  /** Bytes used by things other than the listed volumes (filesystem overhead, other files). */
  baseUsed: number;
  /** For type pbs: where the backups live. */
  pbs?: { server: string; datastore: string; namespace: string; fingerprint: string };
  /** Extra config keys (path, export, pool, thinpool, ...) for the storage.cfg view. */
  extra: Record<string, string>;
}

export interface VolumeTruth {
  storage: string;
  /** Node holding the volume, for local (not shared) storages. */
  node?: string;
  volid: string;
  content: 'images' | 'rootdir' | 'backup' | 'iso' | 'vztmpl' | 'snippets';
  format: string;
  size: number;
  used?: number;
  vmid?: number;
  ctime: number;
  notes?: string;
  protected?: boolean;
  subtype?: 'qemu' | 'lxc';
  parent?: string;
}

export interface PoolTruth {
  poolid: string;
  comment?: string;
}

export interface BackupJobTruth {
  id: string;
  schedule: string;
  storage: string;
  enabled: boolean;
  mode: 'snapshot' | 'suspend' | 'stop';
  compress: string;
  /** Either all guests, a vmid list or a pool. */
  all?: boolean;
  vmid?: string;
  pool?: string;
  node?: string;
  comment?: string;
  notesTemplate: string;
  keepDaily: number;
  keepWeekly: number;
}

export interface PbsTruth {
  name: string;
  version: { version: string; release: string; repoid: string };
  datastores: DatastoreTruth[];
}

export interface DatastoreTruth {
  store: string;
  comment: string | null;
  path: string;
  total: number;
  baseUsed: number;
  maintenance?: string;
  /** Namespaces other than the root ('' is the root and always exists). */
  namespaces: string[];
  snapshots: PbsSnapshotTruth[];
}

export interface PbsSnapshotTruth {
  ns: string;
  backupType: 'vm' | 'ct' | 'host';
  backupId: string;
  backupTime: number;
  comment?: string;
  verification?: { state: 'ok' | 'failed'; upid: string };
  fingerprint?: string;
  files: { filename: string; cryptMode: 'none' | 'encrypt' | 'sign-only'; size: number }[];
  size: number;
  owner: string;
  protected: boolean;
}

/** Name as PVE shows it: config name/hostname, else "VM <id>" / "CT<id>". */
export function guestName(g: GuestTruth): string {
  const key = g.type === 'qemu' ? 'name' : 'hostname';
  const v = g.config[key];
  if (typeof v === 'string' && v) return v;
  return g.type === 'qemu' ? `VM ${g.vmid}` : `CT${g.vmid}`;
}

export function guestTemplate(g: GuestTruth): boolean {
  return g.config.template === 1;
}

export function guestLock(g: GuestTruth): string | undefined {
  const v = g.config.lock;
  return typeof v === 'string' ? v : undefined;
}

export function guestTags(g: GuestTruth): string | undefined {
  const v = g.config.tags;
  return typeof v === 'string' && v ? v : undefined;
}

export function guestCpus(g: GuestTruth): number {
  const cores = Number(g.config.cores ?? 1);
  const sockets = g.type === 'qemu' ? Number(g.config.sockets ?? 1) : 1;
  return cores * sockets;
}

export function guestMaxmem(g: GuestTruth): number {
  const raw = String(g.config.memory ?? (g.type === 'qemu' ? 2048 : 512));
  const mb = Number.parseInt(raw.replace(/^current=/, ''), 10);
  return mb * 1024 * 1024;
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** `agent` enabled in a qemu config ("1" or "enabled=1,..."). */
export function agentEnabled(g: GuestTruth): boolean {
  if (g.type !== 'qemu') return false;
  const v = String(g.config.agent ?? '0');
  return v === '1' || /(^|,)enabled=1(,|$)/.test(v);
}

/** The agent answers: enabled, installed and the VM running. */
export function agentAnswers(g: GuestTruth): boolean {
  return agentEnabled(g) && g.agentInstalled && g.status === 'running';
}
