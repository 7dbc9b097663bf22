import type {
  BackupDoc,
  ClusterDocuments,
  DiskDoc,
  InstanceDoc,
  NodeDoc,
  StorageDoc,
  Unstamped,
} from '../../shared/store/schemas.ts';
import type { Identity } from '../identity.ts';
import { stripMarker } from '../identity.ts';
import { staticAddress } from './agent.ts';
import { type ClusterStatus, type HaStatus, type NodeStatus, pveManagerVersion, type Version } from './cluster.ts';
import { backupIdentity, type ContentVolume } from './content.ts';
import type { GuestConfig } from './guest-config.ts';
import type { GuestResource, Resources } from './resources.ts';

/**
 * Everything collected from one PVE cluster, already normalised, turned into the snapshot's documents.
 * Pure: the collector gathers the inputs, this decides what the documents say.
 */

export interface StorageListing {
  storage: string;
  /** The node the listing came from. */
  node: string;
  shared: boolean;
  volumes: ContentVolume[];
}

export interface PveInputs {
  cluster: string;
  host: string;
  groups: string[];
  excludeNodes: string[];
  version: Version;
  status: ClusterStatus;
  ha: HaStatus;
  resources: Resources;
  nodeStatus: Map<string, NodeStatus>;
  /** Guest configs by vmid; a guest whose config could not be read is absent. */
  configs: Map<number, GuestConfig>;
  listings: StorageListing[];
  identities: Map<number, Identity>;
  /** Guest-agent addresses by vmid, with when they were read. */
  agentIps: Map<number, { ips: string[]; at: number }>;
}

function nodeDocs(inp: PveInputs): Unstamped<NodeDoc>[] {
  const byName = new Map<string, Unstamped<NodeDoc>>();
  const get = (node: string) => {
    let d = byName.get(node);
    if (!d) {
      d = { cluster: inp.cluster, node, status: 'unknown', online: false, cpus: 0, memTotalBytes: 0, memUsedBytes: 0 };
      byName.set(node, d);
    }
    return d;
  };
  for (const n of inp.status.nodes) {
    const d = get(n.name);
    d.online = n.online;
    d.status = n.online ? 'online' : 'offline';
    if (n.nodeid !== undefined) d.nodeid = n.nodeid;
    if (n.ip) d.ip = n.ip;
  }
  for (const r of inp.resources.nodes) {
    const d = get(r.node);
    d.status = r.status;
    d.online = r.status === 'online';
    if (r.uptime !== undefined) d.uptime = r.uptime;
    d.cpus = r.maxcpu ?? d.cpus;
    if (r.cpu !== undefined) d.cpuUsage = r.cpu;
    d.memTotalBytes = r.maxmem ?? d.memTotalBytes;
    d.memUsedBytes = r.mem ?? d.memUsedBytes;
    if (r.maxdisk !== undefined) d.rootfsTotalBytes = r.maxdisk;
    if (r.disk !== undefined) d.rootfsUsedBytes = r.disk;
    if (r.hastate) d.haState = r.hastate;
  }
  for (const [node, s] of inp.nodeStatus) {
    const d = get(node);
    if (s.cpuModel) d.cpuModel = s.cpuModel;
    if (s.cpuSockets !== undefined) d.cpuSockets = s.cpuSockets;
    if (s.cpuCores !== undefined) d.cpuCores = s.cpuCores;
    if (s.cpus !== undefined) d.cpus = s.cpus;
    if (s.cpuMhz !== undefined) d.cpuMhz = s.cpuMhz;
    if (s.memTotalBytes !== undefined) d.memTotalBytes = s.memTotalBytes;
    if (s.memUsedBytes !== undefined) d.memUsedBytes = s.memUsedBytes;
    if (s.swapTotalBytes !== undefined) d.swapTotalBytes = s.swapTotalBytes;
    if (s.rootfsTotalBytes !== undefined) d.rootfsTotalBytes = s.rootfsTotalBytes;
    if (s.rootfsUsedBytes !== undefined) d.rootfsUsedBytes = s.rootfsUsedBytes;
    if (s.loadavg) d.loadavg = s.loadavg;
    if (s.pveVersion) d.pveVersion = pveManagerVersion(s.pveVersion);
    if (s.kernel) d.kernel = s.kernel;
    if (s.bootMode) d.bootMode = s.bootMode;
    if (s.uptime !== undefined) d.uptime = s.uptime;
  }
  for (const node of inp.excludeNodes) {
    const d = byName.get(node);
    if (d) d.excluded = true;
  }
  return [...byName.values()].sort((a, b) => a.node.localeCompare(b.node));
}

/** Shared storage: one document for the cluster. Local storage: one per node. */
function storageDocs(inp: PveInputs): Unstamped<StorageDoc>[] {
  const shared = new Map<string, Unstamped<StorageDoc>>();
  const out: Unstamped<StorageDoc>[] = [];
  for (const s of inp.resources.storages) {
    const available = s.status === 'available';
    if (s.shared) {
      const d = shared.get(s.storage);
      if (d) {
        d.nodes.push(s.node);
        // Every node reports the same figures for a shared storage; take them from one that can see it.
        if (!d.active && available) Object.assign(d, capacityOf(s), { status: s.status, active: true });
        continue;
      }
      const doc: Unstamped<StorageDoc> = {
        cluster: inp.cluster,
        storage: s.storage,
        nodes: [s.node],
        type: s.type,
        content: s.content,
        shared: true,
        status: s.status,
        active: available,
        ...capacityOf(s),
      };
      shared.set(s.storage, doc);
      out.push(doc);
    } else {
      out.push({
        cluster: inp.cluster,
        storage: s.storage,
        node: s.node,
        nodes: [s.node],
        type: s.type,
        content: s.content,
        shared: false,
        status: s.status,
        active: available,
        ...capacityOf(s),
      });
    }
  }
  for (const d of out) d.nodes.sort();
  return out.sort((a, b) => a.storage.localeCompare(b.storage) || (a.node ?? '').localeCompare(b.node ?? ''));
}

function capacityOf(s: { disk: number; maxdisk: number }) {
  return { totalBytes: s.maxdisk, usedBytes: s.disk, availBytes: Math.max(0, s.maxdisk - s.disk) };
}

function instanceDoc(inp: PveInputs, r: GuestResource, cfg: GuestConfig | undefined): Unstamped<InstanceDoc> {
  const id = inp.identities.get(r.vmid)!;
  const attached = cfg?.disks.filter((d) => !d.unused) ?? [];
  const doc: Unstamped<InstanceDoc> = {
    cluster: inp.cluster,
    node: r.node,
    vmid: r.vmid,
    uid: id.uid,
    uidSource: id.source,
    type: r.type,
    name: cfg?.name ?? r.name ?? (r.type === 'qemu' ? `VM ${r.vmid}` : `CT${r.vmid}`),
    status: r.status,
    template: cfg?.template ?? r.template,
    tags: cfg ? cfg.tags : r.tags,
    onboot: cfg?.onboot ?? false,
    agent: cfg?.agent ?? false,
    vcpus: cfg?.vcpus ?? r.maxcpu ?? 0,
    memoryBytes: cfg?.memoryBytes ?? r.maxmem ?? 0,
    diskBytes: cfg ? attached.reduce((s, d) => s + (d.sizeBytes ?? 0), 0) : (r.maxdisk ?? 0),
    disks: cfg?.disks.length ?? 0,
    nics: cfg?.nics ?? [],
    ips: [],
  };
  if (r.pool) doc.pool = r.pool;
  const notes = stripMarker(cfg?.notes);
  if (notes) doc.notes = notes;
  if (cfg) {
    for (const k of ['ctime', 'ostype', 'machine', 'bios', 'unprivileged', 'sockets', 'cores', 'digest'] as const) {
      if (cfg[k] !== undefined) (doc as Record<string, unknown>)[k] = cfg[k];
    }
    if (cfg.balloonBytes !== undefined) doc.balloonBytes = cfg.balloonBytes;
    if (cfg.swapBytes !== undefined) doc.swapBytes = cfg.swapBytes;
  } else {
    doc.configMissing = true;
  }
  const lock = cfg?.lock ?? r.lock;
  if (lock) doc.lock = lock;
  const ha = inp.ha.services.get(r.vmid);
  if (ha || r.hastate) {
    doc.ha = {};
    const state = ha?.state ?? r.hastate;
    if (state) doc.ha.state = state;
    if (ha?.group) doc.ha.group = ha.group;
  }
  if (r.uptime !== undefined) doc.uptime = r.uptime;
  if (r.cpu !== undefined) doc.cpuUsage = r.cpu;
  if (r.mem !== undefined) doc.memUsedBytes = r.mem;
  if (r.type === 'qemu') {
    const agent = inp.agentIps.get(r.vmid);
    if (agent) {
      doc.ips = agent.ips;
      doc.ipsAt = agent.at;
    }
  } else {
    doc.ips = doc.nics.map((n) => staticAddress(n.ip)).filter((ip): ip is string => Boolean(ip));
  }
  if (id.duplicateOf) doc.duplicateOf = id.duplicateOf;
  return doc;
}

function diskDocs(inp: PveInputs, guests: GuestResource[]): Unstamped<DiskDoc>[] {
  const sizeOf = new Map<string, ContentVolume>();
  for (const l of inp.listings) for (const v of l.volumes) if (v.content !== 'backup') sizeOf.set(v.volid, v);
  const sharedStorage = new Set(inp.resources.storages.filter((s) => s.shared).map((s) => s.storage));
  const out: Unstamped<DiskDoc>[] = [];
  const referenced = new Set<string>();
  const unreadable = new Set<number>();
  for (const g of guests) {
    const cfg = inp.configs.get(g.vmid);
    if (!cfg) {
      unreadable.add(g.vmid);
      continue;
    }
    const uid = inp.identities.get(g.vmid)?.uid;
    for (const d of cfg.disks) {
      referenced.add(d.volid);
      const listed = sizeOf.get(d.volid);
      const doc: Unstamped<DiskDoc> = {
        cluster: inp.cluster,
        node: g.node,
        volid: d.volid,
        vmid: g.vmid,
        guestType: g.type,
        key: d.key,
        bus: d.bus,
        sizeBytes: d.sizeBytes ?? listed?.sizeBytes ?? 0,
        attached: !d.unused,
        unused: d.unused,
        options: d.options,
      };
      if (uid) doc.uid = uid;
      if (d.storage) {
        doc.storage = d.storage;
        doc.shared = sharedStorage.has(d.storage);
      }
      const format = d.format ?? listed?.format;
      if (format) doc.format = format;
      if (d.mountpoint) doc.mountpoint = d.mountpoint;
      out.push(doc);
    }
  }
  const seen = new Set<string>();
  for (const l of inp.listings) {
    for (const v of l.volumes) {
      if (v.content === 'backup' || referenced.has(v.volid) || seen.has(v.volid)) continue;
      // Volumes of a guest whose config could not be read are not known to be unattached.
      if (v.vmid !== undefined && unreadable.has(v.vmid)) continue;
      seen.add(v.volid);
      const doc: Unstamped<DiskDoc> = {
        cluster: inp.cluster,
        node: l.node,
        storage: l.storage,
        volid: v.volid,
        sizeBytes: v.sizeBytes,
        attached: false,
        unused: false,
        shared: l.shared,
        options: {},
      };
      if (v.vmid !== undefined) doc.vmid = v.vmid;
      if (v.format) doc.format = v.format;
      out.push(doc);
    }
  }
  return out;
}

function backupDocs(inp: PveInputs): Unstamped<BackupDoc>[] {
  const out: Unstamped<BackupDoc>[] = [];
  for (const l of inp.listings) {
    for (const v of l.volumes) {
      if (v.content !== 'backup') continue;
      const ident = backupIdentity(v.volid);
      const doc: Unstamped<BackupDoc> = {
        cluster: inp.cluster,
        source: 'pve-storage',
        storage: l.storage,
        volid: v.volid,
        sizeBytes: v.sizeBytes,
        protected: v.protected,
        encrypted: v.encrypted,
      };
      if (!l.shared) doc.node = l.node;
      if (v.vmid !== undefined) doc.vmid = v.vmid;
      const type = v.subtype === 'qemu' ? 'vm' : v.subtype === 'lxc' ? 'ct' : ident.backupType;
      if (type) doc.backupType = type;
      const time = v.ctime ?? ident.time;
      if (time !== undefined) doc.backupTime = time;
      if (v.format) doc.format = v.format;
      if (v.notes) doc.notes = v.notes;
      if (v.verification) doc.verification = v.verification;
      out.push(doc);
    }
  }
  return out;
}

export function pveDocuments(inp: PveInputs): ClusterDocuments {
  const excluded = new Set(inp.excludeNodes);
  const guests = inp.resources.guests.filter((g) => !excluded.has(g.node));
  const nodes = nodeDocs(inp);
  const ha = inp.ha;
  return {
    cluster: {
      cluster: inp.cluster,
      kind: 'pve',
      ...(inp.status.name ? { clusterName: inp.status.name } : {}),
      host: inp.host,
      ...inp.version,
      ...(inp.status.quorate !== undefined ? { quorate: inp.status.quorate } : {}),
      standalone: inp.status.standalone,
      nodes: nodes.length,
      nodesOnline: nodes.filter((n) => n.online).length,
      ha: {
        ...(ha.quorate !== undefined ? { quorate: ha.quorate } : {}),
        ...(ha.master ? { master: ha.master } : {}),
        ...(ha.masterStatus ? { masterStatus: ha.masterStatus } : {}),
        services: ha.services.size,
      },
      groups: inp.groups,
    },
    nodes,
    instances: guests.map((g) => instanceDoc(inp, g, inp.configs.get(g.vmid))),
    disks: diskDocs(inp, guests),
    storages: storageDocs(inp),
    backups: backupDocs(inp),
  };
}
