import { toBool, toInt, toNumber, toStr } from './values.ts';

/** `/cluster/status`, `/cluster/ha/status/current`, `/version` and `/nodes/{n}/status`, as plain facts. */

function rec(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export interface ClusterStatus {
  name?: string;
  quorate?: boolean;
  standalone: boolean;
  nodes: { name: string; nodeid?: number; ip?: string; online: boolean; local: boolean }[];
}

export function normalizeClusterStatus(rows: unknown): ClusterStatus {
  const out: ClusterStatus = { standalone: true, nodes: [] };
  for (const raw of Array.isArray(rows) ? rows : []) {
    const r = rec(raw);
    if (r.type === 'cluster') {
      out.standalone = false;
      const name = toStr(r.name);
      if (name) out.name = name;
      const q = toBool(r.quorate);
      if (q !== undefined) out.quorate = q;
    } else if (r.type === 'node') {
      const name = toStr(r.name);
      if (!name) continue;
      const node: ClusterStatus['nodes'][number] = {
        name,
        online: toBool(r.online) ?? false,
        local: toBool(r.local) ?? false,
      };
      const nodeid = toInt(r.nodeid);
      if (nodeid !== undefined) node.nodeid = nodeid;
      const ip = toStr(r.ip);
      if (ip) node.ip = ip;
      out.nodes.push(node);
    }
  }
  // A standalone host is quorate by definition.
  if (out.standalone && out.quorate === undefined && out.nodes.length > 0) out.quorate = true;
  return out;
}

export interface HaStatus {
  quorate?: boolean;
  master?: string;
  masterStatus?: string;
  /** Per guest (`service:vm:100` / `ct:100`): requested state and group. */
  services: Map<number, { state?: string; group?: string; node?: string; crmState?: string }>;
}

export function normalizeHaStatus(rows: unknown): HaStatus {
  const out: HaStatus = { services: new Map() };
  for (const raw of Array.isArray(rows) ? rows : []) {
    const r = rec(raw);
    if (r.type === 'quorum') {
      const q = toBool(r.quorate);
      if (q !== undefined) out.quorate = q;
    } else if (r.type === 'master') {
      const node = toStr(r.node);
      if (node) out.master = node;
      const status = toStr(r.status);
      if (status) out.masterStatus = status;
    } else if (r.type === 'service') {
      const sid = toStr(r.sid) ?? toStr(String(r.id ?? '').replace(/^service:/, '')) ?? '';
      const vmid = toInt(sid.split(':')[1]);
      if (!vmid) continue;
      const svc: { state?: string; group?: string; node?: string; crmState?: string } = {};
      const state = toStr(r.request_state) ?? toStr(r.state);
      if (state) svc.state = state;
      const group = toStr(r.group);
      if (group) svc.group = group;
      const node = toStr(r.node);
      if (node) svc.node = node;
      const crm = toStr(r.crm_state);
      if (crm) svc.crmState = crm;
      out.services.set(vmid, svc);
    }
  }
  return out;
}

export interface Version {
  version?: string;
  release?: string;
  repoid?: string;
}

export function normalizeVersion(data: unknown): Version {
  const r = rec(data);
  const out: Version = {};
  for (const k of ['version', 'release', 'repoid'] as const) {
    const v = toStr(r[k]);
    if (v) out[k] = v;
  }
  return out;
}

export interface NodeStatus {
  cpuModel?: string;
  cpuSockets?: number;
  cpuCores?: number;
  cpus?: number;
  cpuMhz?: number;
  memTotalBytes?: number;
  memUsedBytes?: number;
  swapTotalBytes?: number;
  rootfsTotalBytes?: number;
  rootfsUsedBytes?: number;
  loadavg?: number[];
  pveVersion?: string;
  kernel?: string;
  bootMode?: string;
  uptime?: number;
}

/** `pve-manager/8.2.4/faa83925c9641325` -> `8.2.4`; other text is kept as it is. */
export function pveManagerVersion(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const m = /^pve-manager\/([^/]+)/.exec(text);
  return m ? m[1] : text;
}

export function normalizeNodeStatus(data: unknown): NodeStatus {
  const r = rec(data);
  const cpu = rec(r.cpuinfo);
  const mem = rec(r.memory);
  const swap = rec(r.swap);
  const rootfs = rec(r.rootfs);
  const kernel = rec(r['current-kernel']);
  const boot = rec(r['boot-info']);
  const out: NodeStatus = {};
  const set = <K extends keyof NodeStatus>(k: K, v: NodeStatus[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('cpuModel', toStr(cpu.model));
  set('cpuSockets', toInt(cpu.sockets));
  set('cpuCores', toInt(cpu.cores));
  set('cpus', toInt(cpu.cpus));
  set('cpuMhz', toNumber(cpu.mhz));
  set('memTotalBytes', toInt(mem.total));
  set('memUsedBytes', toInt(mem.used));
  set('swapTotalBytes', toInt(swap.total));
  set('rootfsTotalBytes', toInt(rootfs.total));
  set('rootfsUsedBytes', toInt(rootfs.used));
  if (Array.isArray(r.loadavg)) {
    const l = r.loadavg.map(toNumber).filter((x): x is number => x !== undefined);
    if (l.length) out.loadavg = l;
  }
  set('pveVersion', pveManagerVersion(toStr(r.pveversion)));
  set('kernel', toStr(kernel.release) ?? toStr(r.kversion));
  set('bootMode', toStr(boot.mode));
  set('uptime', toInt(r.uptime));
  return out;
}
