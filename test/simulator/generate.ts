import {
  type AgentInterfaceTruth,
  type BackupJobTruth,
  type ClusterTruth,
  type ConfigValue,
  type DatastoreTruth,
  type EstateTruth,
  GiB,
  type GuestStatus,
  type GuestTruth,
  type GuestType,
  guestMaxmem,
  guestName,
  guestTemplate,
  MiB,
  type NetTruth,
  type NodeTruth,
  type PbsSnapshotTruth,
  type PbsTruth,
  type Preset,
  type StorageTruth,
  type VolumeTruth,
} from './estate.ts';
import { BASE_TIME, PRESETS } from './presets.ts';
import { hashSeed, Rng } from './rng.ts';
import { pbsUpid } from './upid.ts';
import {
  CLUSTER_NAMES,
  CPU_MODELS,
  CT_TEMPLATES,
  ENVIRONMENTS,
  GUEST_ROLES,
  ISOS,
  NOTES,
  POOLS,
  PVE_VERSIONS,
  TAGS,
} from './wordlists.ts';

const DAY = 86400;

/** Builds the whole estate for a seed and preset. Pure: same inputs, same estate. */
export function generateEstate(preset: Preset, seed: number): EstateTruth {
  const shape = PRESETS[preset];
  const rng = new Rng(hashSeed('estate', seed, preset));
  const pbsNames = Array.from({ length: shape.pbs }, (_, i) => `pbs${i + 1}`);
  const clusters: ClusterTruth[] = [];
  for (let c = 0; c < shape.clusters; c++) {
    const name = CLUSTER_NAMES[c] ?? `cluster${c + 1}`;
    const pbsName = pbsNames[c % pbsNames.length] as string;
    clusters.push(
      generateCluster(rng.fork(`cluster-${c}`), c, name, shape.nodesPerCluster, shape.guestsPerNode, pbsName),
    );
  }
  const pbs = pbsNames.map((pbsName, i) =>
    generatePbs(
      rng.fork(`pbs-${i}`),
      pbsName,
      clusters.filter((_, c) => c % pbsNames.length === i),
    ),
  );
  return { seed, preset, step: 0, time: BASE_TIME, clusters, pbs };
}

// ---------------------------------------------------------------------------------------------------------------
// clusters, nodes, storages

function generateCluster(
  rng: Rng,
  index: number,
  name: string,
  nodeCount: number,
  guestsPerNode: number,
  pbsName: string,
): ClusterTruth {
  const ver = PVE_VERSIONS[index % PVE_VERSIONS.length] as (typeof PVE_VERSIONS)[number];
  const nodes = Array.from({ length: nodeCount }, (_, i) => generateNode(rng.fork(`node-${i}`), index, name, i, ver));
  const cluster: ClusterTruth = {
    name,
    version: { version: ver.version, release: ver.release, repoid: ver.repoid },
    nodes,
    guests: [],
    storages: generateStorages(rng.fork('storages'), name, nodes, pbsName),
    volumes: [],
    pools: [],
    backupJobs: [],
    nextVmid: 100,
    deletedVmids: [],
  };
  const poolCount = rng.int(2, 4);
  cluster.pools = POOLS.slice(0, poolCount).map(([poolid, comment]) => (comment ? { poolid, comment } : { poolid }));
  addStaticVolumes(rng.fork('static-volumes'), cluster);

  const total = nodeCount * guestsPerNode;
  const grng = rng.fork('guests');
  let templateVmid = 9000;
  for (let i = 0; i < total; i++) {
    const node = (nodes[i % nodeCount] as NodeTruth).name;
    const archetype = i < ARCHETYPES.length ? (ARCHETYPES[i] as Archetype) : randomArchetype(grng, cluster);
    if (archetype.cloneOf !== undefined) {
      const source = cluster.guests[archetype.cloneOf];
      if (source) {
        cloneGuest(cluster, grng, source, takeVmid(cluster, grng), BASE_TIME - grng.int(1, 60) * DAY, 'stopped');
        continue;
      }
    }
    const vmid = archetype.template ? templateVmid++ : takeVmid(cluster, grng);
    createGuest(cluster, index, grng.fork(vmid), {
      ...archetype,
      vmid,
      node,
      ctime: BASE_TIME - grng.int(1, 1100) * DAY,
    });
  }
  addUnattachedVolumes(rng.fork('unattached'), cluster);
  addVzdumpBackups(rng.fork('vzdump'), cluster, BASE_TIME);
  cluster.backupJobs = generateBackupJobs(rng.fork('jobs'), cluster);
  return cluster;
}

function generateNode(
  rng: Rng,
  clusterIndex: number,
  cluster: string,
  i: number,
  ver: (typeof PVE_VERSIONS)[number],
): NodeTruth {
  const sockets = rng.pick([1, 2]);
  const cores = rng.pick([8, 16, 24, 32]);
  const maxmem = rng.pick([128, 256, 384, 512, 768]) * GiB;
  const maxdisk = rng.pick([64, 100, 128]) * GiB;
  return {
    name: `${cluster}-pve${i + 1}`,
    nodeid: i + 1,
    ip: `10.${10 + clusterIndex}.0.${11 + i}`,
    online: true,
    sockets,
    cores,
    cpus: sockets * cores * 2,
    cpuModel: rng.pick(CPU_MODELS),
    mhz: (2000 + rng.int(0, 1200)).toFixed(3),
    maxmem,
    maxdisk,
    kversion: `Linux ${ver.kernel} #1 SMP PREEMPT_DYNAMIC PMX ${ver.kernel.replace('-pve', '')} (2026-10-02T11:20Z)`,
    kernelRelease: ver.kernel,
    pveversion: `pve-manager/${ver.version}/${ver.repoid}`,
    uptime: rng.int(3, 400) * DAY + rng.int(0, DAY),
    cpu: rng.int(2, 60) / 100,
    mem: Math.round(maxmem * (rng.int(20, 85) / 100)),
    disk: Math.round(maxdisk * (rng.int(5, 40) / 100)),
    sslFingerprint: rng
      .hex(64)
      .toUpperCase()
      .replace(/(..)(?!$)/g, '$1:'),
  };
}

function generateStorages(rng: Rng, cluster: string, nodes: NodeTruth[], pbsName: string): StorageTruth[] {
  const zfsNodes = nodes.filter((_, i) => i % 2 === 1).map((n) => n.name);
  const storages: StorageTruth[] = [
    {
      storage: 'local',
      type: 'dir',
      content: ['backup', 'iso', 'vztmpl', 'snippets'],
      shared: false,
      total: 94 * GiB,
      baseUsed: rng.int(4, 12) * GiB,
      extra: { path: '/var/lib/vz' },
    },
    {
      storage: 'local-lvm',
      type: 'lvmthin',
      content: ['images', 'rootdir'],
      shared: false,
      total: rng.pick([800, 1600, 3200]) * GiB,
      baseUsed: 0,
      extra: { vgname: 'pve', thinpool: 'data' },
    },
    {
      storage: 'local-zfs',
      type: 'zfspool',
      content: ['images', 'rootdir'],
      shared: false,
      nodes: zfsNodes.length > 0 ? zfsNodes : [(nodes[0] as NodeTruth).name],
      total: rng.pick([1800, 3600]) * GiB,
      baseUsed: 0,
      extra: { pool: 'rpool/data', sparse: '1' },
    },
    {
      storage: 'nfs',
      type: 'nfs',
      content: ['images', 'rootdir', 'backup', 'iso'],
      shared: true,
      total: rng.pick([16, 32, 64]) * 1024 * GiB,
      baseUsed: rng.int(100, 900) * GiB,
      extra: { server: '10.250.0.5', export: `/export/pve-${cluster}`, path: '/mnt/pve/nfs' },
    },
    {
      storage: 'rbd',
      type: 'rbd',
      content: ['images', 'rootdir'],
      shared: true,
      total: rng.pick([48, 96]) * 1024 * GiB,
      baseUsed: 0,
      extra: { pool: 'vm-pool', krbd: '0' },
    },
    {
      storage: 'pbs',
      type: 'pbs',
      content: ['backup'],
      shared: true,
      total: 0,
      baseUsed: 0,
      pbs: { server: pbsName, datastore: 'backup', namespace: cluster, fingerprint: '' },
      extra: { username: 'root@pam!strata' },
    },
  ];
  return storages;
}

export function storageOnNode(s: StorageTruth, node: string): boolean {
  return !s.nodes || s.nodes.includes(node);
}

function addStaticVolumes(rng: Rng, cluster: ClusterTruth): void {
  const ctime = BASE_TIME - 400 * DAY;
  for (const node of cluster.nodes) {
    for (const [iso, size] of ISOS) {
      if (rng.chance(0.6))
        cluster.volumes.push({
          storage: 'local',
          node: node.name,
          volid: `local:iso/${iso}`,
          content: 'iso',
          format: 'iso',
          size,
          ctime: ctime + rng.int(0, 300) * DAY,
        });
    }
    for (const [tmpl, size] of CT_TEMPLATES) {
      if (rng.chance(0.6))
        cluster.volumes.push({
          storage: 'local',
          node: node.name,
          volid: `local:vztmpl/${tmpl}`,
          content: 'vztmpl',
          format: tmpl.endsWith('.zst') ? 'tzst' : 'txz',
          size,
          ctime: ctime + rng.int(0, 300) * DAY,
        });
    }
    cluster.volumes.push({
      storage: 'local',
      node: node.name,
      volid: 'local:snippets/cloud-init-user.yaml',
      content: 'snippets',
      format: 'snippet',
      size: 1422,
      ctime,
    });
  }
  for (const [iso, size] of ISOS.slice(0, 3)) {
    cluster.volumes.push({ storage: 'nfs', volid: `nfs:iso/${iso}`, content: 'iso', format: 'iso', size, ctime });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// guests

interface Archetype {
  type: GuestType;
  status: GuestStatus;
  template?: boolean;
  agent?: 'running' | 'stopped';
  ha?: boolean;
  pool?: boolean;
  tags?: boolean;
  lock?: string;
  note?: number;
  cloneOf?: number;
}

/** The first guests of every cluster, so even the tiny preset has one of each interesting kind. */
const ARCHETYPES: Archetype[] = [
  { type: 'qemu', status: 'running', agent: 'running', ha: true, pool: true, tags: true, note: 1 },
  { type: 'lxc', status: 'running', tags: true, note: 4 },
  { type: 'qemu', status: 'stopped', template: true, note: 6 },
  { type: 'lxc', status: 'stopped', pool: true, note: 5 },
  { type: 'qemu', status: 'running', agent: 'stopped', note: 3 },
  { type: 'qemu', status: 'running', lock: 'backup', tags: true, note: 2 },
  { type: 'lxc', status: 'running', ha: true, note: 11 },
  { type: 'qemu', status: 'stopped', cloneOf: 0 },
];

const QEMU_LOCKS = ['backup', 'migrate', 'snapshot', 'suspended', 'clone'];
const LXC_LOCKS = ['backup', 'migrate', 'snapshot', 'mounted', 'disk'];

export function randomArchetype(rng: Rng, cluster: ClusterTruth): Archetype {
  if (rng.chance(0.02) && cluster.guests.length > 0) {
    return { type: 'qemu', status: 'stopped', cloneOf: rng.int(0, cluster.guests.length - 1) };
  }
  const type: GuestType = rng.chance(0.6) ? 'qemu' : 'lxc';
  const template = rng.chance(0.03);
  const status: GuestStatus = template
    ? 'stopped'
    : rng.chance(0.7)
      ? rng.chance(0.01) && type === 'qemu'
        ? 'paused'
        : 'running'
      : 'stopped';
  const a: Archetype = { type, status, template };
  // ~25% of VMs have the agent enabled: about 15% of all guests, so a crawl stays near 1.1 calls per guest.
  if (type === 'qemu' && !template && rng.chance(0.25)) a.agent = rng.chance(0.85) ? 'running' : 'stopped';
  if (!template && cluster.nodes.length > 1 && rng.chance(0.08)) a.ha = true;
  if (rng.chance(0.4)) a.pool = true;
  if (rng.chance(0.6)) a.tags = true;
  if (!template && rng.chance(0.02)) a.lock = rng.pick(type === 'qemu' ? QEMU_LOCKS : LXC_LOCKS);
  if (rng.chance(0.5)) a.note = rng.int(0, NOTES.length - 1);
  return a;
}

export function takeVmid(cluster: ClusterTruth, rng: Rng): number {
  if (rng.chance(0.12)) cluster.nextVmid += rng.int(2, 25);
  const vmid = cluster.nextVmid;
  cluster.nextVmid += 1;
  return vmid;
}

export interface GuestSpec extends Archetype {
  vmid: number;
  node: string;
  ctime: number;
}

function guestBaseName(rng: Rng, type: GuestType): string {
  const role = rng.pick(GUEST_ROLES);
  const env = rng.pick(ENVIRONMENTS);
  const n = String(rng.int(1, 24)).padStart(2, '0');
  return type === 'qemu' ? `${role}-${env}-${n}` : `${role}${n}-${env}`;
}

/** Creates a guest with its disks (volumes), NICs, runtime figures, HA entry; appends it to the cluster. */
export function createGuest(cluster: ClusterTruth, clusterIndex: number, rng: Rng, spec: GuestSpec): GuestTruth {
  const nets = makeNets(rng, spec.type, clusterIndex, spec.vmid);
  const config: Record<string, ConfigValue> = {};
  const g: GuestTruth = {
    type: spec.type,
    vmid: spec.vmid,
    node: spec.node,
    status: spec.status,
    config,
    cpu: 0,
    mem: 0,
    disk: 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    uptime: 0,
    agentInstalled: false,
    agentInterfaces: [],
    ctime: spec.ctime,
  };
  if (spec.template) g.status = 'stopped';
  const name = spec.template
    ? `tmpl-${rng.pick(['debian12', 'ubuntu2404', 'win2022', 'rocky9'])}`
    : guestBaseName(rng, spec.type);
  const description = spec.note !== undefined ? (NOTES[spec.note] as string) : undefined;
  const tags = spec.tags
    ? [...new Set([rng.pick(TAGS), ...(rng.chance(0.5) ? [rng.pick(TAGS)] : [])])].sort().join(';')
    : undefined;

  if (spec.type === 'qemu') buildQemuConfig(cluster, rng, g, name, nets, spec);
  else buildLxcConfig(cluster, rng, g, name, nets, spec);
  if (description) config.description = description;
  if (tags) config.tags = tags;
  if (spec.lock) config.lock = spec.lock;
  if (spec.template) config.template = 1;
  sortConfig(g);

  if (spec.pool && cluster.pools.length > 0) g.pool = rng.pick(cluster.pools).poolid;
  if (spec.ha) {
    g.ha = {
      state: g.status === 'running' ? 'started' : 'stopped',
      maxRestart: 1,
      maxRelocate: 1,
      ...(rng.chance(0.5) ? { group: 'ha-group-1' } : {}),
      ...(rng.chance(0.3) ? { comment: 'managed by HA — keep running' } : {}),
    };
  }
  if (spec.type === 'qemu' && spec.agent) {
    g.agentInterfaces = makeAgentInterfaces(rng, nets, clusterIndex, spec.vmid);
    g.agentInstalled = spec.agent === 'running';
  }
  setRuntime(g, rng);
  cluster.guests.push(g);
  return g;
}

export function sortConfig(g: GuestTruth): void {
  const entries = Object.entries(g.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const key of Object.keys(g.config)) delete g.config[key];
  for (const [k, v] of entries) g.config[k] = v;
}

/** Runtime figures consistent with the status. */
export function setRuntime(g: GuestTruth, rng: Rng): void {
  if (g.status === 'stopped') {
    Object.assign(g, { cpu: 0, mem: 0, netin: 0, netout: 0, diskread: 0, diskwrite: 0, uptime: 0 });
    delete g.pid;
    g.disk = 0;
    return;
  }
  const maxmem = guestMaxmem(g);
  g.cpu = Math.round(rng.next() * 0.6 * 1e4) / 1e4;
  g.mem = Math.round(maxmem * (0.15 + rng.next() * 0.7));
  g.uptime = rng.int(300, 120 * DAY);
  g.netin = rng.int(1e6, 5e11);
  g.netout = rng.int(1e6, 5e11);
  g.diskread = rng.int(1e7, 2e12);
  g.diskwrite = rng.int(1e7, 2e12);
  g.pid = rng.int(1000, 4_000_000);
  g.disk = g.type === 'lxc' ? Math.round(rootfsSize(g) * (0.1 + rng.next() * 0.6)) : 0;
}

export function rootfsSize(g: GuestTruth): number {
  const v = String(g.config.rootfs ?? '');
  const m = /size=(\d+[KMGT]?)/.exec(v);
  return m ? sizeOf(m[1] as string) : 0;
}

function sizeOf(text: string): number {
  const m = /^(\d+)([KMGT]?)$/.exec(text);
  if (!m) return 0;
  return Number(m[1]) * ({ '': 1, K: 1024, M: MiB, G: GiB, T: 1024 * GiB } as Record<string, number>)[m[2] as string]!;
}

function makeNets(rng: Rng, type: GuestType, clusterIndex: number, vmid: number): NetTruth[] {
  const count = rng.chance(0.15) ? 2 : 1;
  const nets: NetTruth[] = [];
  for (let j = 0; j < count; j++) {
    const vlan = rng.chance(0.4) ? rng.pick([10, 20, 30, 100, 200]) : undefined;
    const net: NetTruth = {
      key: `net${j}`,
      mac: rng.mac(),
      bridge: j === 0 ? (rng.chance(0.8) ? 'vmbr0' : 'vmbr1') : 'vmbr1',
      model:
        type === 'qemu'
          ? rng.weighted([
              ['virtio', 85],
              ['e1000', 10],
              ['vmxnet3', 5],
            ] as const)
          : 'veth',
      firewall: rng.chance(0.6),
    };
    if (vlan !== undefined) net.vlan = vlan;
    if (type === 'lxc') {
      net.ifname = `eth${j}`;
      if (rng.chance(0.8)) {
        net.ip = `${guestIp(clusterIndex, vmid, j)}/24`;
        net.gw = guestIp(clusterIndex, vmid, j).replace(/\.\d+$/, '.1');
      } else net.ip = 'dhcp';
    }
    nets.push(net);
  }
  return nets;
}

function guestIp(clusterIndex: number, vmid: number, j: number): string {
  return `10.${20 + clusterIndex * 2 + j}.${(vmid >> 8) & 255}.${vmid & 255 || 2}`;
}

function netValue(net: NetTruth): string {
  if (net.model === 'veth') {
    const parts = [`name=${net.ifname}`, `bridge=${net.bridge}`];
    if (net.firewall) parts.push('firewall=1');
    if (net.gw) parts.push(`gw=${net.gw}`);
    parts.push(`hwaddr=${net.mac}`);
    if (net.ip) parts.push(`ip=${net.ip}`);
    if (net.vlan !== undefined) parts.push(`tag=${net.vlan}`);
    parts.push('type=veth');
    return parts.join(',');
  }
  const parts = [`${net.model}=${net.mac}`, `bridge=${net.bridge}`];
  if (net.firewall) parts.push('firewall=1');
  if (net.vlan !== undefined) parts.push(`tag=${net.vlan}`);
  return parts.join(',');
}

function makeAgentInterfaces(rng: Rng, nets: NetTruth[], clusterIndex: number, vmid: number): AgentInterfaceTruth[] {
  const out: AgentInterfaceTruth[] = [
    {
      name: 'lo',
      mac: '00:00:00:00:00:00',
      ips: [
        { address: '127.0.0.1', type: 'ipv4', prefix: 8 },
        { address: '::1', type: 'ipv6', prefix: 128 },
      ],
    },
  ];
  nets.forEach((net, j) => {
    const mac = net.mac.toLowerCase();
    const [, , , a, b, c] = mac.split(':');
    out.push({
      name: `ens${18 + j}`,
      mac,
      ips: [
        { address: guestIp(clusterIndex, vmid, j), type: 'ipv4', prefix: 24 },
        { address: `fe80::be24:11ff:fe${a}:${b}${c}`, type: 'ipv6', prefix: 64 },
      ],
    });
  });
  if (rng.chance(0.2)) {
    out.push({
      name: 'docker0',
      mac: rng.mac().toLowerCase(),
      ips: [{ address: '172.17.0.1', type: 'ipv4', prefix: 16 }],
    });
  }
  return out;
}

/** Storages a new disk may go on for this node (image-capable, available there). */
function diskStorages(cluster: ClusterTruth, node: string): StorageTruth[] {
  return cluster.storages.filter((s) => s.content.includes('images') && storageOnNode(s, node));
}

function pickDiskStorage(cluster: ClusterTruth, rng: Rng, node: string): StorageTruth {
  const candidates = diskStorages(cluster, node);
  const weights: Record<string, number> = { lvmthin: 40, zfspool: 15, rbd: 25, nfs: 20 };
  return rng.weighted(candidates.map((s) => [s, weights[s.type] ?? 5] as const));
}

/** Creates a disk volume on a storage and returns its volume id. */
export function addDiskVolume(
  cluster: ClusterTruth,
  g: GuestTruth,
  storage: StorageTruth,
  index: number,
  size: number,
  template: boolean,
): string {
  const prefix = template ? 'base' : 'vm';
  const sid = storage.storage;
  let volid: string;
  let format = 'raw';
  if (storage.type === 'nfs' || storage.type === 'dir') {
    format = g.type === 'qemu' ? 'qcow2' : 'raw';
    volid = `${sid}:${g.vmid}/${prefix}-${g.vmid}-disk-${index}.${format}`;
  } else if (storage.type === 'zfspool' && g.type === 'lxc') {
    format = 'subvol';
    volid = `${sid}:${template ? 'basevol' : 'subvol'}-${g.vmid}-disk-${index}`;
  } else {
    volid = `${sid}:${prefix}-${g.vmid}-disk-${index}`;
  }
  const vol: VolumeTruth = {
    storage: sid,
    volid,
    content: g.type === 'qemu' ? 'images' : 'rootdir',
    format,
    size,
    vmid: g.vmid,
    ctime: g.ctime,
  };
  if (!storage.shared) vol.node = g.node;
  if (storage.type === 'lvmthin' || storage.type === 'zfspool' || format === 'qcow2')
    vol.used = Math.round(size * 0.37);
  cluster.volumes.push(vol);
  return volid;
}

const DISK_SIZES_G = [8, 16, 20, 32, 32, 40, 50, 64, 100, 128, 200, 256, 500];

function buildQemuConfig(
  cluster: ClusterTruth,
  rng: Rng,
  g: GuestTruth,
  name: string,
  nets: NetTruth[],
  spec: GuestSpec,
): void {
  const c = g.config;
  const template = spec.template === true;
  const windows = rng.chance(0.15);
  const ovmf = windows || rng.chance(0.25);
  const storage = pickDiskStorage(cluster, rng, g.node);
  let diskIndex = 0;
  if (spec.agent) c.agent = rng.chance(0.5) ? '1' : 'enabled=1,fstrim_cloned_disks=1';
  if (ovmf) c.bios = 'ovmf';
  const bus = windows
    ? rng.pick(['sata', 'scsi'] as const)
    : rng.weighted([
        ['scsi', 60],
        ['virtio', 20],
        ['sata', 12],
        ['ide', 8],
      ] as const);
  c.cores = rng.pick([1, 2, 2, 4, 4, 8, 16]);
  c.cpu = rng.pick(['x86-64-v2-AES', 'host', 'kvm64']);
  if (ovmf) {
    const size = 4 * MiB;
    c.efidisk0 = `${addDiskVolume(cluster, g, storage, diskIndex++, size, template)},efitype=4m,pre-enrolled-keys=1,size=4M`;
  }
  const cdrom = rng.weighted([
    ['iso', 30],
    ['none', 50],
    ['absent', 20],
  ] as const);
  if (cdrom === 'iso') {
    const [iso, size] = rng.pick(ISOS);
    c.ide2 = `local:iso/${iso},media=cdrom,size=${Math.round(size / MiB)}M`;
  } else if (cdrom === 'none') c.ide2 = 'none,media=cdrom';
  const dataDisks = rng.weighted([
    [1, 70],
    [2, 20],
    [3, 10],
  ] as const);
  const busSlots = bus === 'ide' ? [0, 1, 3] : [0, 1, 2, 3];
  let bootDisk = '';
  for (let d = 0; d < dataDisks; d++) {
    const slot = busSlots[d] ?? d;
    const key = `${bus}${slot}`;
    const sizeG = rng.pick(DISK_SIZES_G);
    const st = d === 0 ? storage : rng.chance(0.7) ? storage : pickDiskStorage(cluster, rng, g.node);
    const opts: string[] = [];
    if ((bus === 'scsi' || bus === 'virtio') && rng.chance(0.7)) opts.push('iothread=1');
    if (rng.chance(0.3)) opts.push('discard=on');
    if (bus !== 'virtio' && rng.chance(0.2)) opts.push('ssd=1');
    if (rng.chance(0.1)) opts.push('cache=writeback');
    if (rng.chance(0.05)) opts.push('backup=0');
    const volid = addDiskVolume(cluster, g, st, diskIndex++, sizeG * GiB, template);
    c[key] = [volid, ...opts, `size=${sizeG}G`].join(',');
    if (!bootDisk) bootDisk = key;
  }
  c.boot = `order=${[bootDisk, c.ide2 ? 'ide2' : '', 'net0'].filter(Boolean).join(';')}`;
  if (rng.chance(0.05)) {
    const volid = addDiskVolume(cluster, g, storage, diskIndex++, rng.pick(DISK_SIZES_G) * GiB, template);
    c.unused0 = volid;
  }
  if (windows && ovmf && rng.chance(0.7)) {
    c.tpmstate0 = `${addDiskVolume(cluster, g, storage, diskIndex++, 4 * MiB, template)},size=4M,version=v2.0`;
  }
  c.machine = ovmf ? 'pc-q35-9.0' : rng.pick(['q35', 'pc-i440fx-9.0', 'pc']);
  c.memory = String(rng.pick([512, 1024, 2048, 4096, 8192, 16384, 32768]));
  c.meta = `creation-qemu=${rng.pick(['8.1.5', '9.0.2', '9.2.0'])},ctime=${g.ctime}`;
  c.name = name;
  for (const net of nets) c[net.key] = netValue(net);
  c.numa = 0;
  if (rng.chance(0.5)) c.onboot = 1;
  c.ostype = windows ? rng.pick(['win11', 'win10']) : 'l26';
  c.scsihw = 'virtio-scsi-single';
  c.smbios1 = `uuid=${rng.uuid()}`;
  c.sockets = rng.chance(0.1) ? 2 : 1;
  c.vmgenid = rng.uuid();
}

function buildLxcConfig(
  cluster: ClusterTruth,
  rng: Rng,
  g: GuestTruth,
  name: string,
  nets: NetTruth[],
  spec: GuestSpec,
): void {
  const c = g.config;
  const template = spec.template === true;
  const storage = pickDiskStorage(cluster, rng, g.node);
  const [, , ostype] = rng.pick(CT_TEMPLATES);
  c.arch = 'amd64';
  c.cores = rng.pick([1, 1, 2, 2, 4]);
  const unprivileged = rng.chance(0.8);
  if (unprivileged) c.features = rng.chance(0.5) ? 'nesting=1' : 'keyctl=1,nesting=1';
  c.hostname = name;
  c.memory = rng.pick([256, 512, 1024, 2048, 4096]);
  let diskIndex = 0;
  const rootG = rng.pick([4, 8, 8, 16, 32]);
  c.rootfs = `${addDiskVolume(cluster, g, storage, diskIndex++, rootG * GiB, template)},size=${rootG}G`;
  if (rng.chance(0.2)) {
    const mpG = rng.pick([10, 20, 50, 100]);
    const st = pickDiskStorage(cluster, rng, g.node);
    c.mp0 = `${addDiskVolume(cluster, g, st, diskIndex++, mpG * GiB, template)},mp=/srv/data,backup=1,size=${mpG}G`;
  }
  for (const net of nets) c[net.key] = netValue(net);
  if (rng.chance(0.4)) c.onboot = 1;
  c.ostype = ostype;
  c.swap = rng.pick([0, 512, 512, 1024]);
  if (unprivileged) c.unprivileged = 1;
  if (rng.chance(0.04)) {
    c.unused0 = addDiskVolume(cluster, g, storage, diskIndex++, rng.pick([8, 16]) * GiB, template);
  }
}

/**
 * A clone: same name, notes, tags and sizing as the source; new vmid, disks, MACs, SMBIOS UUID, vmgenid and
 * creation time, as `qm clone` does. Placed on the source's node (local disks can only be cloned there).
 */
export function cloneGuest(
  cluster: ClusterTruth,
  rng: Rng,
  source: GuestTruth,
  vmid: number,
  ctime: number,
  status: GuestStatus,
): GuestTruth {
  const g: GuestTruth = {
    ...structuredClone(source),
    vmid,
    status,
    ctime,
    clonedFrom: source.vmid,
  };
  delete g.ha;
  const c = g.config;
  delete c.template;
  delete c.lock;
  let diskIndex = 0;
  for (const [key, value] of Object.entries(c)) {
    if (typeof value !== 'string') continue;
    if (/^(net\d+)$/.test(key)) {
      c[key] = value.replace(/([0-9A-F]{2}:){5}[0-9A-F]{2}/, rng.mac());
      continue;
    }
    const m = /^([^:,]+):([^,]+)(,.*)?$/.exec(value);
    if (!m || value.includes('media=cdrom') || key === 'meta' || key === 'smbios1') continue;
    const sourceVol = cluster.volumes.find((v) => v.volid === `${m[1]}:${m[2]}`);
    const storage = cluster.storages.find((s) => s.storage === m[1]);
    if (!sourceVol || !storage) continue;
    const volid = addDiskVolume(cluster, g, storage, diskIndex++, sourceVol.size, false);
    c[key] = `${volid}${m[3] ?? ''}`;
  }
  if (g.type === 'qemu') {
    c.smbios1 = `uuid=${rng.uuid()}`;
    c.vmgenid = rng.uuid();
    c.meta = String(c.meta ?? '').replace(/ctime=\d+/, `ctime=${ctime}`);
  }
  setRuntime(g, rng);
  cluster.guests.push(g);
  return g;
}

function addUnattachedVolumes(rng: Rng, cluster: ClusterTruth): void {
  const count = Math.max(1, Math.round(cluster.guests.length * 0.03));
  for (let i = 0; i < count; i++) {
    const node = rng.pick(cluster.nodes).name;
    const storage = pickDiskStorage(cluster, rng, node);
    // Either a leftover of a guest that still exists (a high disk index) or of a vmid that no longer exists.
    const owner = rng.chance(0.5) ? rng.pick(cluster.guests) : undefined;
    const vmid = owner?.vmid ?? 5000 + rng.int(0, 999);
    const fake = {
      type: owner?.type ?? 'qemu',
      vmid,
      node: owner && !storage.shared ? owner.node : node,
      ctime: BASE_TIME - rng.int(30, 900) * DAY,
    };
    addDiskVolume(cluster, fake as GuestTruth, storage, 7 + i, rng.pick(DISK_SIZES_G) * GiB, false);
    if (!owner) cluster.deletedVmids.push(vmid);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// backups

export function vzdumpVolume(
  g: { type: string; vmid: number; node: string },
  storage: StorageTruth,
  time: number,
  size: number,
): VolumeTruth {
  const d = new Date(time * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}-${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}`;
  const qemu = g.type === 'qemu';
  const ext = qemu ? 'vma.zst' : 'tar.zst';
  const vol: VolumeTruth = {
    storage: storage.storage,
    volid: `${storage.storage}:backup/vzdump-${qemu ? 'qemu' : 'lxc'}-${g.vmid}-${stamp}.${ext}`,
    content: 'backup',
    format: ext,
    size,
    vmid: g.vmid,
    ctime: time,
    subtype: qemu ? 'qemu' : 'lxc',
  };
  if (!storage.shared) vol.node = g.node;
  return vol;
}

export function backupSize(g: GuestTruth, rng: Rng): number {
  return Math.round(guestMaxmem(g) * 0.3 + rng.int(200, 8000) * MiB);
}

function addVzdumpBackups(rng: Rng, cluster: ClusterTruth, now: number): void {
  const nfs = cluster.storages.find((s) => s.storage === 'nfs') as StorageTruth;
  const local = cluster.storages.find((s) => s.storage === 'local') as StorageTruth;
  for (const g of cluster.guests) {
    if (guestTemplate(g) || !rng.chance(0.4)) continue;
    const storage = rng.chance(0.75) ? nfs : local;
    const count = rng.int(1, 3);
    for (let k = 0; k < count; k++) {
      const vol = vzdumpVolume(g, storage, now - (k + 1) * DAY - 5 * 3600 + rng.int(0, 1800), backupSize(g, rng));
      if (rng.chance(0.7))
        vol.notes = rng.chance(0.9) ? guestName(g) : (NOTES[rng.int(0, NOTES.length - 1)] as string).split('\n')[0];
      if (rng.chance(0.1)) vol.protected = true;
      cluster.volumes.push(vol);
    }
  }
  // Backups of guests that no longer exist.
  for (let i = 0; i < Math.max(1, Math.round(cluster.guests.length * 0.02)); i++) {
    const vmid = 3000 + rng.int(0, 999);
    const vol = vzdumpVolume(
      { type: rng.chance(0.5) ? 'qemu' : 'lxc', vmid, node: (cluster.nodes[0] as NodeTruth).name },
      nfs,
      now - rng.int(5, 200) * DAY,
      rng.int(500, 9000) * MiB,
    );
    vol.notes = `old-${vmid}`;
    cluster.volumes.push(vol);
    cluster.deletedVmids.push(vmid);
  }
}

function generateBackupJobs(rng: Rng, cluster: ClusterTruth): BackupJobTruth[] {
  const jobs: BackupJobTruth[] = [
    {
      id: `backup-${rng.hex(8)}-${rng.hex(4)}`,
      schedule: '01:00',
      storage: 'nfs',
      enabled: true,
      mode: 'snapshot',
      compress: 'zstd',
      all: true,
      notesTemplate: '{{guestname}}',
      keepDaily: 7,
      keepWeekly: 4,
      comment: 'nightly to NFS',
    },
    {
      id: `backup-${rng.hex(8)}-${rng.hex(4)}`,
      schedule: 'mon..fri 02:00',
      storage: 'pbs',
      enabled: true,
      mode: 'snapshot',
      compress: '0',
      all: true,
      notesTemplate: '{{guestname}} on {{node}}',
      keepDaily: 14,
      keepWeekly: 8,
    },
  ];
  const pool = cluster.pools[0];
  if (pool) {
    jobs.push({
      id: `backup-${rng.hex(8)}-${rng.hex(4)}`,
      schedule: 'sat 03:30',
      storage: 'local',
      enabled: false,
      mode: 'stop',
      compress: 'gzip',
      pool: pool.poolid,
      node: (cluster.nodes[0] as NodeTruth).name,
      notesTemplate: '{{guestname}}',
      keepDaily: 0,
      keepWeekly: 2,
    });
  }
  return jobs;
}

// ---------------------------------------------------------------------------------------------------------------
// PBS

function generatePbs(rng: Rng, name: string, clusters: ClusterTruth[]): PbsTruth {
  const backup: DatastoreTruth = {
    store: 'backup',
    comment: 'Main datastore — all clusters',
    path: '/mnt/datastore/backup',
    total: 64 * 1024 * GiB,
    baseUsed: rng.int(1, 8) * 1024 * GiB,
    namespaces: [...clusters.map((c) => c.name), 'archive', 'archive/2025'],
    snapshots: [],
  };
  const offsite: DatastoreTruth = {
    store: 'offsite',
    comment: null,
    path: '/mnt/datastore/offsite',
    total: 32 * 1024 * GiB,
    baseUsed: rng.int(1, 4) * 1024 * GiB,
    namespaces: ['sync'],
    snapshots: [],
  };
  for (const cluster of clusters) {
    for (const g of cluster.guests) {
      if (guestTemplate(g) || !rng.chance(0.6)) continue;
      const count = rng.int(1, 4);
      for (let k = 0; k < count; k++) {
        backup.snapshots.push(
          pbsSnapshot(rng, name, cluster.name, g, BASE_TIME - (k + 1) * DAY - 4 * 3600 + rng.int(0, 3000)),
        );
      }
      if (rng.chance(0.1)) offsite.snapshots.push(pbsSnapshot(rng, name, 'sync', g, BASE_TIME - 2 * DAY));
    }
    // Snapshots of guests that no longer exist.
    for (const vmid of cluster.deletedVmids.slice(0, 3)) {
      const ghost = { type: 'qemu', vmid, config: { name: `gone-${vmid}`, memory: '2048' } } as unknown as GuestTruth;
      backup.snapshots.push(pbsSnapshot(rng, name, cluster.name, ghost, BASE_TIME - rng.int(10, 90) * DAY));
    }
    const first = cluster.guests[0];
    if (first) backup.snapshots.push(pbsSnapshot(rng, name, 'archive/2025', first, BASE_TIME - 300 * DAY));
  }
  for (let k = 0; k < 2; k++) {
    backup.snapshots.push({
      ns: '',
      backupType: 'host',
      backupId: `${name}-etc`,
      backupTime: BASE_TIME - (k + 1) * DAY,
      files: [
        { filename: 'etc.pxar.didx', cryptMode: 'none', size: 2_400_000 },
        { filename: 'index.json.blob', cryptMode: 'none', size: 412 },
      ],
      size: 2_400_412,
      owner: 'root@pam',
      protected: false,
    });
  }
  const ver = { version: '3.4.2', release: '3.4', repoid: 'a5fcb9d6e7b0b42e' };
  return { name, version: ver, datastores: [backup, offsite] };
}

export function pbsSnapshot(rng: Rng, pbsName: string, ns: string, g: GuestTruth, time: number): PbsSnapshotTruth {
  const qemu = g.type === 'qemu';
  const encrypted = rng.chance(0.1);
  const cryptMode = encrypted ? 'encrypt' : 'none';
  const dataSize = Math.round(guestMaxmem(g) * 2 + rng.int(100, 20000) * MiB);
  const files = qemu
    ? [
        { filename: 'drive-scsi0.img.fidx', cryptMode, size: dataSize },
        { filename: 'index.json.blob', cryptMode: 'none', size: 518 },
        { filename: 'qemu-server.conf.blob', cryptMode, size: 684 },
      ]
    : [
        { filename: 'catalog.pcat1.didx', cryptMode, size: 91_000 },
        { filename: 'index.json.blob', cryptMode: 'none', size: 436 },
        { filename: 'pct.conf.blob', cryptMode, size: 381 },
        { filename: 'root.pxar.didx', cryptMode, size: dataSize },
      ];
  const snap: PbsSnapshotTruth = {
    ns,
    backupType: qemu ? 'vm' : 'ct',
    backupId: String(g.vmid),
    backupTime: time,
    files: files as PbsSnapshotTruth['files'],
    size: files.reduce((s, f) => s + f.size, 0),
    owner: 'root@pam!strata',
    protected: rng.chance(0.05),
  };
  const name =
    typeof g.config?.name === 'string'
      ? g.config.name
      : typeof g.config?.hostname === 'string'
        ? g.config.hostname
        : undefined;
  if (name && rng.chance(0.8)) snap.comment = name;
  if (rng.chance(0.7)) {
    snap.verification = {
      state: rng.chance(0.95) ? 'ok' : 'failed',
      upid: pbsUpid({
        node: pbsName,
        pid: rng.int(1000, 90000),
        pstart: rng.int(1000, 9_000_000),
        taskId: rng.int(0, 50),
        starttime: time + 3600,
        type: 'verificationjob',
        id: `backup:v-${rng.hex(8)}-${rng.hex(4)}`,
        user: 'root@pam',
      }),
    };
  }
  if (encrypted) snap.fingerprint = rng.hex(64).replace(/(..)(?!$)/g, '$1:');
  return snap;
}
