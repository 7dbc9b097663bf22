import { splitTags, toBool, toInt, toNumber, toStr } from './values.ts';

/**
 * `GET /cluster/resources` (no type filter): one call gives every guest with its node and pool, every node,
 * and every storage once per node it is visible on. Rows are split by type here; pools (`/pool/<name>`) and
 * sdn rows are ignored, guests carry their pool already.
 */

export interface GuestResource {
  type: 'qemu' | 'lxc';
  vmid: number;
  node: string;
  name?: string;
  status: string;
  template: boolean;
  pool?: string;
  tags: string[];
  lock?: string;
  hastate?: string;
  uptime?: number;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  maxdisk?: number;
}

export interface NodeResource {
  node: string;
  status: string;
  uptime?: number;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  hastate?: string;
}

export interface StorageResource {
  storage: string;
  node: string;
  type: string;
  status: string;
  shared: boolean;
  content: string[];
  disk: number;
  maxdisk: number;
}

export interface Resources {
  guests: GuestResource[];
  nodes: NodeResource[];
  storages: StorageResource[];
}

function rec(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

function setIf<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) obj[key] = value;
}

export function splitResources(rows: unknown): Resources {
  const out: Resources = { guests: [], nodes: [], storages: [] };
  if (!Array.isArray(rows)) return out;
  for (const raw of rows) {
    const r = rec(raw);
    const type = toStr(r.type);
    if (type === 'qemu' || type === 'lxc') {
      const vmid = toInt(r.vmid) ?? toInt(String(r.id ?? '').split('/')[1]);
      const node = toStr(r.node);
      if (!vmid || !node) continue;
      const g: GuestResource = {
        type,
        vmid,
        node,
        status: toStr(r.status) ?? 'unknown',
        template: toBool(r.template) ?? false,
        tags: splitTags(r.tags),
      };
      setIf(g, 'name', toStr(r.name));
      setIf(g, 'pool', toStr(r.pool));
      setIf(g, 'lock', toStr(r.lock));
      setIf(g, 'hastate', toStr(r.hastate));
      setIf(g, 'uptime', toInt(r.uptime));
      setIf(g, 'cpu', toNumber(r.cpu));
      setIf(g, 'maxcpu', toInt(r.maxcpu));
      setIf(g, 'mem', toInt(r.mem));
      setIf(g, 'maxmem', toInt(r.maxmem));
      setIf(g, 'maxdisk', toInt(r.maxdisk));
      out.guests.push(g);
    } else if (type === 'node') {
      const node = toStr(r.node) ?? toStr(String(r.id ?? '').replace(/^node\//, ''));
      if (!node) continue;
      const n: NodeResource = { node, status: toStr(r.status) ?? 'unknown' };
      setIf(n, 'uptime', toInt(r.uptime));
      setIf(n, 'cpu', toNumber(r.cpu));
      setIf(n, 'maxcpu', toInt(r.maxcpu));
      setIf(n, 'mem', toInt(r.mem));
      setIf(n, 'maxmem', toInt(r.maxmem));
      setIf(n, 'disk', toInt(r.disk));
      setIf(n, 'maxdisk', toInt(r.maxdisk));
      setIf(n, 'hastate', toStr(r.hastate));
      out.nodes.push(n);
    } else if (type === 'storage') {
      const storage = toStr(r.storage);
      const node = toStr(r.node);
      if (!storage || !node) continue;
      out.storages.push({
        storage,
        node,
        type: toStr(r.plugintype) ?? 'unknown',
        status: toStr(r.status) ?? 'unknown',
        shared: toBool(r.shared) ?? false,
        content: splitTags(r.content),
        disk: toInt(r.disk) ?? 0,
        maxdisk: toInt(r.maxdisk) ?? 0,
      });
    }
  }
  out.guests.sort((a, b) => a.vmid - b.vmid);
  out.nodes.sort((a, b) => a.node.localeCompare(b.node));
  return out;
}
