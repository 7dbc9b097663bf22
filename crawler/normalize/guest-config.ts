import type { Nic } from '../../shared/store/schemas.ts';
import { parseMeta, parsePropertyString } from './property-string.ts';
import { normalizeMac, parseSize, splitTags, toBool, toInt, toNumber, toStr } from './values.ts';

/**
 * A guest's config (`GET /nodes/{n}/qemu|lxc/{vmid}/config`) turned into plain facts: disks with bus,
 * storage, size in bytes and options; NICs with MAC, bridge and VLAN; CPU, memory, tags, notes, flags and
 * the creation time from `meta`. Pure: no I/O.
 */

export type GuestType = 'qemu' | 'lxc';

export interface GuestDisk {
  key: string;
  bus: string;
  volid: string;
  storage?: string;
  sizeBytes?: number;
  format?: string;
  unused: boolean;
  options: Record<string, string | number | boolean>;
  mountpoint?: string;
}

export interface GuestConfig {
  type: GuestType;
  name?: string;
  template: boolean;
  onboot: boolean;
  agent: boolean;
  ctime?: number;
  notes?: string;
  tags: string[];
  lock?: string;
  ostype?: string;
  machine?: string;
  bios?: string;
  unprivileged?: boolean;
  sockets?: number;
  cores?: number;
  vcpus: number;
  memoryBytes: number;
  balloonBytes?: number;
  swapBytes?: number;
  nics: Nic[];
  disks: GuestDisk[];
  digest?: string;
}

const MIB = 1024 * 1024;
const QEMU_DISK = /^(ide|sata|scsi|virtio|efidisk|tpmstate)(\d+)$/;
const LXC_DISK = /^(rootfs|mp\d+)$/;
const UNUSED = /^unused(\d+)$/;
const NIC_KEY = /^net(\d+)$/;
const STORAGE_ID = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i;
/** Options parsed as numbers or booleans; everything else stays a string. */
const NUMERIC_OPTIONS = new Set(['iops', 'iops_rd', 'iops_wr', 'mbps', 'mbps_rd', 'mbps_wr', 'queues', 'mtu', 'rate']);
const BOOLEAN_OPTIONS = new Set([
  'iothread',
  'ssd',
  'backup',
  'replicate',
  'ro',
  'shared',
  'acl',
  'quota',
  'firewall',
  'link_down',
  'pre-enrolled-keys',
]);

/** `storage:volname` -> storage id, or undefined for a path or a bare name. */
export function storageOf(volid: string): string | undefined {
  if (volid.startsWith('/')) return undefined;
  return STORAGE_ID.exec(volid)?.[1];
}

/** The volume's format from its name (`.qcow2`, `.raw`, `.vmdk`, `subvol-`), when it tells. */
export function formatOf(volid: string): string | undefined {
  const name = volid.slice(volid.indexOf(':') + 1);
  const ext = /\.(qcow2|raw|vmdk)$/i.exec(name)?.[1];
  if (ext) return ext.toLowerCase();
  if (/(^|\/)subvol-/.test(name)) return 'subvol';
  return undefined;
}

function options(pairs: Record<string, string>, skip: string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(pairs)) {
    if (skip.includes(k)) continue;
    if (BOOLEAN_OPTIONS.has(k)) out[k] = toBool(v) ?? v;
    else if (NUMERIC_OPTIONS.has(k)) out[k] = toNumber(v) ?? v;
    else out[k] = v;
  }
  return out;
}

function qemuDisk(key: string, value: unknown): GuestDisk | undefined {
  const m = QEMU_DISK.exec(key);
  if (!m) return undefined;
  const ps = parsePropertyString(value);
  const volid = ps.bare ?? ps.pairs.file ?? ps.pairs.volume;
  if (!volid || volid === 'none' || ps.pairs.media === 'cdrom') return undefined;
  const disk: GuestDisk = {
    key,
    bus: m[1]!,
    volid,
    unused: false,
    options: options(ps.pairs, ['file', 'volume', 'size', 'format']),
  };
  const storage = storageOf(volid);
  if (storage) disk.storage = storage;
  const size = parseSize(ps.pairs.size);
  if (size !== undefined) disk.sizeBytes = size;
  const format = ps.pairs.format ?? formatOf(volid);
  if (format) disk.format = format;
  return disk;
}

function lxcDisk(key: string, value: unknown): GuestDisk | undefined {
  if (!LXC_DISK.test(key)) return undefined;
  const ps = parsePropertyString(value);
  const volid = ps.bare ?? ps.pairs.volume;
  if (!volid) return undefined;
  // A bind mount of a host directory is not a volume; device mounts (/dev/...) are kept.
  if (volid.startsWith('/') && !volid.startsWith('/dev/')) return undefined;
  const disk: GuestDisk = {
    key,
    bus: key === 'rootfs' ? 'rootfs' : 'mp',
    volid,
    unused: false,
    options: options(ps.pairs, ['volume', 'size', 'mp']),
  };
  const storage = storageOf(volid);
  if (storage) disk.storage = storage;
  const size = parseSize(ps.pairs.size);
  if (size !== undefined) disk.sizeBytes = size;
  const format = formatOf(volid);
  if (format) disk.format = format;
  disk.mountpoint = key === 'rootfs' ? '/' : ps.pairs.mp;
  return disk;
}

function unusedDisk(key: string, value: unknown): GuestDisk | undefined {
  if (!UNUSED.test(key)) return undefined;
  const ps = parsePropertyString(value);
  const volid = ps.bare ?? ps.pairs.file ?? ps.pairs.volume;
  if (!volid) return undefined;
  const disk: GuestDisk = { key, bus: 'unused', volid, unused: true, options: {} };
  const storage = storageOf(volid);
  if (storage) disk.storage = storage;
  const format = formatOf(volid);
  if (format) disk.format = format;
  return disk;
}

function nicOf(type: GuestType, key: string, value: unknown): Nic | undefined {
  if (!NIC_KEY.test(key)) return undefined;
  const ps = parsePropertyString(value);
  const nic: Nic = {
    key,
    firewall: toBool(ps.pairs.firewall) ?? false,
    linkDown: toBool(ps.pairs.link_down) ?? false,
  };
  if (type === 'qemu') {
    // `virtio=BC:24:11:AA:BB:CC,...`: the model is the key and the MAC its value; `macaddr=` is the other form.
    const model = ps.firstKey ?? ps.bare;
    if (model && model !== 'macaddr') nic.model = model;
    const mac = normalizeMac(ps.pairs.macaddr ?? (ps.firstKey ? ps.pairs[ps.firstKey] : undefined));
    if (mac) nic.mac = mac;
  } else {
    nic.model = ps.pairs.type ?? 'veth';
    const mac = normalizeMac(ps.pairs.hwaddr);
    if (mac) nic.mac = mac;
    if (ps.pairs.name) nic.name = ps.pairs.name;
    if (ps.pairs.ip) nic.ip = ps.pairs.ip;
    if (ps.pairs.ip6) nic.ip6 = ps.pairs.ip6;
  }
  if (ps.pairs.bridge) nic.bridge = ps.pairs.bridge;
  const vlan = toInt(ps.pairs.tag);
  if (vlan !== undefined) nic.vlan = vlan;
  return nic;
}

/** `memory: 4096` or (PVE 8.1+) `memory: current=4096` -> MiB. */
function memoryMiB(value: unknown): number | undefined {
  const direct = toNumber(value);
  if (direct !== undefined) return direct;
  const ps = parsePropertyString(value);
  return toNumber(ps.pairs.current ?? ps.bare);
}

function byIndex<T extends { key: string }>(items: T[]): T[] {
  const order = (k: string) => {
    const m = /^(\D+)(\d*)$/.exec(k);
    return [m?.[1] ?? k, Number(m?.[2] ?? 0)] as const;
  };
  return items.sort((a, b) => {
    const [pa, na] = order(a.key);
    const [pb, nb] = order(b.key);
    return pa === pb ? na - nb : pa < pb ? -1 : 1;
  });
}

export function normalizeGuestConfig(type: GuestType, config: Record<string, unknown>): GuestConfig {
  const disks: GuestDisk[] = [];
  const nics: Nic[] = [];
  for (const [key, value] of Object.entries(config)) {
    const disk = type === 'qemu' ? qemuDisk(key, value) : lxcDisk(key, value);
    const unused = disk ? undefined : unusedDisk(key, value);
    if (disk ?? unused) disks.push((disk ?? unused)!);
    const nic = nicOf(type, key, value);
    if (nic) nics.push(nic);
  }
  const out: GuestConfig = {
    type,
    template: toBool(config.template) ?? false,
    onboot: toBool(config.onboot) ?? false,
    agent: type === 'qemu' && (toBool(parsePropertyString(config.agent).bare ?? config.agent) ?? false),
    tags: splitTags(config.tags),
    vcpus: 0,
    memoryBytes: 0,
    nics: byIndex(nics),
    disks: byIndex(disks),
  };
  if (type === 'qemu') {
    const agentPairs = parsePropertyString(config.agent).pairs;
    if (agentPairs.enabled !== undefined) out.agent = toBool(agentPairs.enabled) ?? false;
  }
  const name = toStr(type === 'qemu' ? config.name : config.hostname);
  if (name) out.name = name;
  const meta = parseMeta(config.meta);
  if (meta.ctime) out.ctime = meta.ctime;
  const notes = toStr(config.description);
  if (notes) out.notes = notes;
  for (const k of ['lock', 'ostype', 'machine', 'bios', 'digest'] as const) {
    const v = toStr(config[k]);
    if (v) out[k] = v;
  }
  if (type === 'lxc') out.unprivileged = toBool(config.unprivileged) ?? false;

  const cores = toInt(config.cores);
  if (type === 'qemu') {
    const sockets = toInt(config.sockets) ?? 1;
    out.sockets = sockets;
    out.cores = cores ?? 1;
    out.vcpus = toInt(config.vcpus) ?? sockets * (cores ?? 1);
    out.memoryBytes = Math.round((memoryMiB(config.memory) ?? 512) * MIB);
    const balloon = toNumber(config.balloon);
    if (balloon !== undefined) out.balloonBytes = Math.round(balloon * MIB);
  } else {
    if (cores !== undefined) out.cores = cores;
    // An LXC guest without `cores` may use every host CPU; 0 says "not limited".
    out.vcpus = cores ?? 0;
    out.memoryBytes = Math.round((memoryMiB(config.memory) ?? 512) * MIB);
    out.swapBytes = Math.round((toNumber(config.swap) ?? 512) * MIB);
  }
  return out;
}
