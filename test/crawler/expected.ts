import { parseSize, volumeOf } from '../simulator/config-format.ts';
import {
  type ClusterTruth,
  type EstateTruth,
  type GuestTruth,
  guestName,
  guestTemplate,
  type PbsTruth,
} from '../simulator/estate.ts';
import { storageOnNode } from '../simulator/generate.ts';

/**
 * What the stored documents must say, read straight from the simulator's truth (its own data structures,
 * not the API answers), so the crawl is checked end to end: HTTP, normalisation and storage.
 */

export interface ExpectedGuest {
  vmid: number;
  status: string;
  ha?: string;
  /** Guest-agent addresses (VMs whose agent answers), or static CT addresses. */
  ips: string[];
  type: 'qemu' | 'lxc';
  node: string;
  name: string;
  template: boolean;
  pool?: string;
  tags: string[];
  onboot: boolean;
  vcpus: number;
  memoryBytes: number;
  ctime?: number;
  notes?: string;
  macs: string[];
  bridges: string[];
  vlans: (number | undefined)[];
  /** Disk keys (cdroms excluded) with volume id and size. */
  disks: { key: string; volid: string; sizeBytes: number; unused: boolean; bus: string; storage: string }[];
}

export interface ExpectedCluster {
  name: string;
  nodes: string[];
  nodeFacts: { node: string; cpus: number; memTotalBytes: number; pveVersion: string; cpuModel: string }[];
  guests: ExpectedGuest[];
  /** Image / container volumes referenced by no guest config. */
  unattached: { volid: string; sizeBytes: number }[];
  /** Shared storages once, local storages once per node. */
  storages: { storage: string; node?: string; shared: boolean; type: string; totalBytes: number }[];
  /** Backup volume ids (vzdump files and PBS snapshots seen through pbs storages). */
  backups: string[];
  backupSizes: Map<string, number>;
}

const DISK_KEY = {
  qemu: /^(ide\d+|sata\d+|scsi\d+|virtio\d+|efidisk0|tpmstate0|unused\d+)$/,
  lxc: /^(rootfs|mp\d+|unused\d+)$/,
};

function expectedGuest(c: ClusterTruth, g: GuestTruth): ExpectedGuest {
  const cfg = g.config;
  const nets = Object.entries(cfg)
    .filter(([k]) => /^net\d+$/.test(k))
    .sort(([a], [b]) => Number(a.slice(3)) - Number(b.slice(3)))
    .map(([, v]) => String(v));
  const disks: ExpectedGuest['disks'] = [];
  for (const [key, value] of Object.entries(cfg)) {
    if (!DISK_KEY[g.type].test(key) || String(value).includes('media=cdrom')) continue;
    const volid = volumeOf(value);
    if (!volid) continue;
    const unused = key.startsWith('unused');
    const size = /size=(\d+(?:\.\d+)?[KMGT]?)/.exec(String(value))?.[1];
    const volume = c.volumes.find((v) => v.volid === volid);
    const bus = unused
      ? 'unused'
      : g.type === 'lxc'
        ? key === 'rootfs'
          ? 'rootfs'
          : 'mp'
        : (/^[a-z]+/.exec(key)?.[0] ?? '');
    disks.push({
      key,
      volid,
      sizeBytes: size ? parseSize(size) : (volume?.size ?? 0),
      unused,
      bus,
      storage: volid.split(':')[0]!,
    });
  }
  const memory = Number(String(cfg.memory ?? 512).replace(/^current=/, ''));
  const agentOn = g.type === 'qemu' && /^(1|enabled=1(,.*)?)$/.test(String(cfg.agent ?? '0'));
  const ips =
    g.type === 'qemu'
      ? agentOn && g.agentInstalled && g.status === 'running'
        ? g.agentInterfaces.flatMap((i) => i.ips.map((a) => a.address)).filter((a) => !/^(127\.|::1$|fe80:)/i.test(a))
        : []
      : nets
          .map((n) => /(?:^|,)ip=([^,/]+)/.exec(n)?.[1])
          .filter((a): a is string => Boolean(a) && a !== 'dhcp' && a !== 'manual');
  const e: ExpectedGuest = {
    vmid: g.vmid,
    status: g.status,
    ips,
    type: g.type,
    node: g.node,
    name: guestName(g),
    template: guestTemplate(g),
    tags: typeof cfg.tags === 'string' ? cfg.tags.split(';').filter(Boolean) : [],
    onboot: Number(cfg.onboot ?? 0) === 1,
    vcpus: g.type === 'qemu' ? Number(cfg.sockets ?? 1) * Number(cfg.cores ?? 1) : Number(cfg.cores ?? 0),
    memoryBytes: memory * 1024 * 1024,
    macs: nets.map((n) => /([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})/.exec(n)?.[1]?.toUpperCase() ?? ''),
    bridges: nets.map((n) => /bridge=([^,]+)/.exec(n)?.[1] ?? ''),
    vlans: nets.map((n) => {
      const t = /tag=(\d+)/.exec(n)?.[1];
      return t === undefined ? undefined : Number(t);
    }),
    disks: disks.sort((a, b) => a.key.localeCompare(b.key)),
  };
  if (g.pool) e.pool = g.pool;
  if (g.ha) e.ha = g.ha.state;
  const ctime = /ctime=(\d+)/.exec(String(cfg.meta ?? ''))?.[1];
  if (g.type === 'qemu' && ctime) e.ctime = Number(ctime);
  if (typeof cfg.description === 'string' && cfg.description) e.notes = cfg.description;
  return e;
}

export function expectedCluster(truth: EstateTruth, c: ClusterTruth): ExpectedCluster {
  const referenced = new Set<string>();
  for (const g of c.guests) {
    for (const [key, value] of Object.entries(g.config)) {
      if (DISK_KEY[g.type].test(key)) {
        const v = volumeOf(value);
        if (v) referenced.add(v);
      }
    }
  }
  const storages: ExpectedCluster['storages'] = [];
  for (const s of c.storages) {
    const pbs = s.pbs
      ? truth.pbs.find((p) => p.name === s.pbs!.server)?.datastores.find((d) => d.store === s.pbs!.datastore)
      : undefined;
    const totalBytes = s.type === 'pbs' ? (pbs?.total ?? 0) : s.total;
    if (s.shared) storages.push({ storage: s.storage, shared: true, type: s.type, totalBytes });
    else {
      for (const n of c.nodes) {
        if (storageOnNode(s, n.name))
          storages.push({ storage: s.storage, node: n.name, shared: false, type: s.type, totalBytes });
      }
    }
  }
  const backups = c.volumes.filter((v) => v.content === 'backup').map((v) => v.volid);
  const backupSizes = new Map(c.volumes.filter((v) => v.content === 'backup').map((v) => [v.volid, v.size]));
  for (const s of c.storages) {
    if (s.type !== 'pbs' || !s.pbs) continue;
    const pbs = truth.pbs.find((p) => p.name === s.pbs!.server);
    const ds = pbs?.datastores.find((d) => d.store === s.pbs!.datastore);
    for (const snap of ds?.snapshots ?? []) {
      if (snap.ns !== s.pbs.namespace || snap.backupType === 'host') continue;
      const time = new Date(snap.backupTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      backups.push(`${s.storage}:backup/${snap.backupType}/${snap.backupId}/${time}`);
      backupSizes.set(`${s.storage}:backup/${snap.backupType}/${snap.backupId}/${time}`, snap.size);
    }
  }
  return {
    name: c.name,
    nodes: c.nodes.map((n) => n.name).sort(),
    nodeFacts: c.nodes
      .map((n) => ({
        node: n.name,
        cpus: n.cpus,
        memTotalBytes: n.maxmem,
        pveVersion: n.pveversion.split('/')[1] ?? '',
        cpuModel: n.cpuModel,
      }))
      .sort((a, b) => a.node.localeCompare(b.node)),
    guests: c.guests.map((g) => expectedGuest(c, g)).sort((a, b) => a.vmid - b.vmid),
    unattached: c.volumes
      .filter((v) => (v.content === 'images' || v.content === 'rootdir') && !referenced.has(v.volid))
      .map((v) => ({ volid: v.volid, sizeBytes: v.size }))
      .sort((a, b) => a.volid.localeCompare(b.volid)),
    storages: storages.sort((a, b) => a.storage.localeCompare(b.storage) || (a.node ?? '').localeCompare(b.node ?? '')),
    backups: backups.sort(),
    backupSizes,
  };
}

export interface ExpectedPbs {
  name: string;
  datastores: string[];
  backups: { store: string; namespace: string; volid: string; sizeBytes: number }[];
}

export function expectedPbs(p: PbsTruth): ExpectedPbs {
  const backups: ExpectedPbs['backups'] = [];
  for (const d of p.datastores) {
    for (const s of d.snapshots) {
      const time = new Date(s.backupTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      backups.push({
        store: d.store,
        namespace: s.ns,
        volid: `${s.ns ? `ns/${s.ns}/` : ''}${s.backupType}/${s.backupId}/${time}`,
        sizeBytes: s.size,
      });
    }
  }
  return {
    name: p.name,
    datastores: p.datastores.map((d) => d.store).sort(),
    backups: backups.sort((a, b) => a.store.localeCompare(b.store) || a.volid.localeCompare(b.volid)),
  };
}
