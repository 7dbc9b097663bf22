import { parseSize } from '../config-format.ts';
import {
  agentEnabled,
  type DatastoreTruth,
  type GuestTruth,
  guestCpus,
  guestLock,
  guestMaxmem,
  guestName,
  guestTags,
  guestTemplate,
  type NodeTruth,
  type PbsTruth,
  type StorageTruth,
  type VolumeTruth,
} from '../estate.ts';
import { storageOnNode } from '../generate.ts';
import { BASE_TIME } from '../presets.ts';
import type { ClusterState } from './cluster-state.ts';

/** What the PVE views need besides the cluster state. */
export interface PveView {
  state: ClusterState;
  offline(node: string): boolean;
  /** PBS behind a pbs-type storage (undefined when that PBS is not simulated). */
  pbsFor(storage: StorageTruth):
    | {
        truth: PbsTruth;
        datastore: DatastoreTruth;
        host: string;
        port: number;
        fingerprint: string;
        reachable: boolean;
      }
    | undefined;
  /** Estate time, used for uptimes. */
  estateTime(): number;
}

type Row = Record<string, unknown>;
const int = (b: boolean) => (b ? 1 : 0);

/** qemu: size of the first disk in the boot order (or the first disk); lxc: rootfs size. */
export function guestMaxdisk(g: GuestTruth): number {
  if (g.type === 'lxc') return parseSize(/size=(\d+[KMGT]?)/.exec(String(g.config.rootfs ?? ''))?.[1] ?? '0');
  const order = /order=([^,]+)/.exec(String(g.config.boot ?? ''))?.[1]?.split(';') ?? [];
  const candidates = [...order, 'scsi0', 'virtio0', 'sata0', 'ide0'];
  for (const key of candidates) {
    const v = g.config[key];
    if (typeof v === 'string' && !v.includes('media=cdrom')) {
      const size = /size=(\d+(?:\.\d+)?[KMGT]?)/.exec(v)?.[1];
      if (size) return parseSize(size);
    }
  }
  return 0;
}

function qmpStatus(g: GuestTruth): string {
  return g.status === 'paused' ? 'paused' : g.status;
}

function pve9(state: ClusterState): boolean {
  return state.truth.version.version.startsWith('9');
}

/** /cluster/resources row of a guest. */
export function guestResourceRow(v: PveView, g: GuestTruth): Row {
  const unknown = v.offline(g.node);
  const row: Row = {
    id: `${g.type}/${g.vmid}`,
    type: g.type,
    vmid: g.vmid,
    node: g.node,
    name: guestName(g),
    status: unknown ? 'unknown' : qmpStatus(g),
    template: int(guestTemplate(g)),
    maxcpu: guestCpus(g),
    maxmem: guestMaxmem(g),
    maxdisk: guestMaxdisk(g),
  };
  if (!unknown) {
    Object.assign(row, {
      uptime: g.uptime,
      cpu: g.cpu,
      mem: g.mem,
      disk: g.type === 'lxc' ? g.disk : 0,
      netin: g.netin,
      netout: g.netout,
      diskread: g.diskread,
      diskwrite: g.diskwrite,
    });
    if (g.type === 'qemu' && pve9(v.state)) row.memhost = g.mem;
  }
  if (g.pool) row.pool = g.pool;
  const lock = guestLock(g);
  if (lock) row.lock = lock;
  const tags = guestTags(g);
  if (tags) row.tags = tags;
  if (g.ha) row.hastate = g.ha.state;
  return row;
}

export function nodeResourceRow(v: PveView, n: NodeTruth): Row {
  if (v.offline(n.name) || !n.online) {
    return {
      id: `node/${n.name}`,
      type: 'node',
      node: n.name,
      status: 'offline',
      level: '',
      maxcpu: n.cpus,
      maxmem: n.maxmem,
    };
  }
  return {
    id: `node/${n.name}`,
    type: 'node',
    node: n.name,
    status: 'online',
    uptime: nodeUptime(v, n),
    cpu: n.cpu,
    maxcpu: n.cpus,
    mem: n.mem,
    maxmem: n.maxmem,
    disk: n.disk,
    maxdisk: n.maxdisk,
    level: '',
    'cgroup-mode': 2,
  };
}

export function nodeUptime(v: PveView, n: NodeTruth): number {
  return n.uptime + (v.estateTime() - BASE_TIME);
}

/** Used bytes and capacity of a storage on a node. */
export function storageUsage(
  v: PveView,
  s: StorageTruth,
  node: string,
): { total: number; used: number; avail: number } | undefined {
  if (s.type === 'pbs') {
    const pbs = v.pbsFor(s);
    if (!pbs?.reachable) return undefined;
    const used = datastoreUsed(pbs.datastore);
    return { total: pbs.datastore.total, used, avail: pbs.datastore.total - used };
  }
  let used = s.baseUsed;
  for (const vol of v.state.volumes(s, node)) used += vol.used ?? vol.size;
  used = Math.min(used, s.total);
  return { total: s.total, used, avail: s.total - used };
}

export function datastoreUsed(d: DatastoreTruth): number {
  // Deduplication: chunks shared between snapshots of the same guest count about once.
  let sum = 0;
  for (const snap of d.snapshots) sum += snap.size;
  return Math.min(d.total, d.baseUsed + Math.round(sum * 0.18));
}

export function storageResourceRow(v: PveView, s: StorageTruth, n: NodeTruth): Row {
  const row: Row = {
    id: `storage/${n.name}/${s.storage}`,
    type: 'storage',
    storage: s.storage,
    node: n.name,
    plugintype: s.type,
    shared: int(s.shared),
    content: s.content.join(','),
    status: 'unknown',
  };
  if (v.offline(n.name) || !n.online) return row;
  const usage = storageUsage(v, s, n.name);
  if (!usage) return row;
  return { ...row, status: 'available', disk: usage.used, maxdisk: usage.total };
}

export function clusterResources(v: PveView, type?: string): Row[] {
  const t = v.state.truth;
  const rows: Row[] = [];
  if (!type) for (const p of t.pools) rows.push({ id: `/pool/${p.poolid}`, pool: p.poolid, type: 'pool' });
  if (!type || type === 'vm') {
    const guests = [...t.guests].sort((a, b) => a.vmid - b.vmid);
    for (const g of guests) rows.push(guestResourceRow(v, g));
  }
  if (!type || type === 'node') for (const n of t.nodes) rows.push(nodeResourceRow(v, n));
  if (!type || type === 'storage') {
    for (const n of t.nodes)
      for (const s of t.storages) if (storageOnNode(s, n.name)) rows.push(storageResourceRow(v, s, n));
  }
  return rows;
}

/** /nodes/{node}/qemu list entry (and the base of status/current). */
export function qemuListRow(v: PveView, g: GuestTruth, full: boolean): Row {
  const running = g.status !== 'stopped';
  const row: Row = {
    vmid: g.vmid,
    status: running ? 'running' : 'stopped',
    name: guestName(g),
    cpus: guestCpus(g),
    cpu: g.cpu,
    maxmem: guestMaxmem(g),
    mem: g.mem,
    maxdisk: guestMaxdisk(g),
    disk: 0,
    netin: g.netin,
    netout: g.netout,
    diskread: g.diskread,
    diskwrite: g.diskwrite,
    uptime: g.uptime,
  };
  if (pve9(v.state)) row.memhost = g.mem;
  if (running && g.pid) row.pid = g.pid;
  if (guestTemplate(g)) row.template = 1;
  const lock = guestLock(g);
  if (lock) row.lock = lock;
  const tags = guestTags(g);
  if (tags) row.tags = tags;
  if (full || running) {
    row.qmpstatus = qmpStatus(g);
  }
  if (full && running) {
    row['running-machine'] = `pc-q35-${v.state.truth.version.version.startsWith('9') ? '10.0' : '9.0'}+pve0`;
    row['running-qemu'] = v.state.truth.version.version.startsWith('9') ? '10.0.2' : '9.0.2';
    row.balloon = guestMaxmem(g);
    row.ballooninfo = {
      actual: guestMaxmem(g),
      max_mem: guestMaxmem(g),
      free_mem: Math.max(0, guestMaxmem(g) - g.mem),
    };
    row.freemem = Math.max(0, guestMaxmem(g) - g.mem);
    row.blockstat = {};
    row.nics = {};
    row['proxmox-support'] = {
      'pbs-dirty-bitmap': true,
      'query-bitmap-info': true,
      'pbs-library-version': '1.4.1 (UNKNOWN)',
    };
  }
  return row;
}

export function lxcListRow(_v: PveView, g: GuestTruth): Row {
  const running = g.status !== 'stopped';
  const swap = Number(g.config.swap ?? 0) * 1024 * 1024;
  const row: Row = {
    vmid: g.vmid,
    type: 'lxc',
    status: running ? 'running' : 'stopped',
    name: guestName(g),
    cpus: guestCpus(g),
    cpu: g.cpu,
    maxmem: guestMaxmem(g),
    mem: g.mem,
    maxswap: swap,
    swap: running ? Math.round(swap * 0.05) : 0,
    maxdisk: guestMaxdisk(g),
    disk: g.disk,
    netin: g.netin,
    netout: g.netout,
    diskread: g.diskread,
    diskwrite: g.diskwrite,
    uptime: g.uptime,
  };
  if (running && g.pid) row.pid = g.pid;
  if (guestTemplate(g)) row.template = 1;
  const lock = guestLock(g);
  if (lock) row.lock = lock;
  const tags = guestTags(g);
  if (tags) row.tags = tags;
  return row;
}

export function haStatus(g: GuestTruth): Row {
  if (!g.ha) return { managed: 0 };
  const row: Row = { managed: 1, state: g.ha.state };
  if (g.ha.group) row.group = g.ha.group;
  return row;
}

export function statusCurrent(v: PveView, g: GuestTruth): Row {
  if (g.type === 'qemu') {
    const row = qemuListRow(v, g, true);
    row.ha = haStatus(g);
    if (agentEnabled(g)) row.agent = 1;
    row.clipboard = null;
    return row;
  }
  const row = lxcListRow(v, g);
  row.ha = haStatus(g);
  return row;
}

function volumeRow(vol: VolumeTruth): Row {
  const row: Row = { volid: vol.volid, content: vol.content, format: vol.format, size: vol.size, ctime: vol.ctime };
  if (vol.vmid !== undefined) row.vmid = vol.vmid;
  if (vol.used !== undefined) row.used = vol.used;
  if (vol.parent) row.parent = vol.parent;
  if (vol.notes) row.notes = vol.notes.split('\n')[0];
  if (vol.protected) row.protected = 1;
  if (vol.subtype) row.subtype = vol.subtype;
  return row;
}

export function pbsTimeText(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Content of a storage on a node, filtered by content type and vmid. PBS storages list the namespace's snapshots. */
export function storageContent(v: PveView, s: StorageTruth, node: string, content?: string, vmid?: number): Row[] {
  if (s.type === 'pbs') {
    if (content && content !== 'backup') return [];
    const pbs = v.pbsFor(s);
    if (!pbs) return [];
    const ns = s.pbs?.namespace ?? '';
    const rows: Row[] = [];
    for (const snap of pbs.datastore.snapshots) {
      if (snap.ns !== ns || snap.backupType === 'host') continue;
      const id = Number(snap.backupId);
      if (vmid !== undefined && id !== vmid) continue;
      const row: Row = {
        volid: `${s.storage}:backup/${snap.backupType}/${snap.backupId}/${pbsTimeText(snap.backupTime)}`,
        content: 'backup',
        format: snap.backupType === 'vm' ? 'pbs-vm' : 'pbs-ct',
        size: snap.size,
        ctime: snap.backupTime,
        vmid: id,
        subtype: snap.backupType === 'vm' ? 'qemu' : 'lxc',
      };
      if (snap.comment) row.notes = snap.comment;
      if (snap.protected) row.protected = 1;
      if (snap.verification) row.verification = { state: snap.verification.state, upid: snap.verification.upid };
      if (snap.fingerprint) row.encrypted = snap.fingerprint;
      rows.push(row);
    }
    return rows;
  }
  const rows: Row[] = [];
  for (const vol of v.state.volumes(s, node)) {
    if (content && vol.content !== content) continue;
    if (vmid !== undefined && vol.vmid !== vmid) continue;
    rows.push(volumeRow(vol));
  }
  return rows;
}

export function storageListRow(v: PveView, s: StorageTruth, node: string): Row {
  const usage = storageUsage(v, s, node);
  const row: Row = {
    storage: s.storage,
    type: s.type,
    content: s.content.join(','),
    enabled: 1,
    active: usage ? 1 : 0,
    shared: int(s.shared),
  };
  if (usage)
    Object.assign(row, {
      total: usage.total,
      used: usage.used,
      avail: usage.avail,
      used_fraction: usage.total ? usage.used / usage.total : 0,
    });
  return row;
}
