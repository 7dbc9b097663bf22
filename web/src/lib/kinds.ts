/**
 * The inventory tables: for each kind its API collection, columns and search fields. Pure data: the table
 * component renders cells by `format` and `cell`, the CSV export writes `csvValue`.
 */
import { bytes, count, dateTime, duration } from './format.ts';
import type { SearchField, SearchSpec } from './search.ts';

export type Row = Record<string, unknown>;

export type Format = 'text' | 'bytes' | 'date' | 'bool' | 'list' | 'percent' | 'duration' | 'count';

export interface ColumnDef {
  key: string;
  label: string;
  width: number;
  value(row: Row): unknown;
  format?: Format;
  /** Special rendering: a link to the guest page, a status badge, tag chips, a usage bar. */
  cell?: 'guest-link' | 'status' | 'tags' | 'usage';
  /** Shown when the user has not chosen columns. */
  default?: boolean;
}

export type KindId = 'guests' | 'nodes' | 'storages' | 'disks' | 'backups';

export interface KindDef {
  id: KindId;
  apiKind: 'instances' | 'nodes' | 'storages' | 'disks' | 'backups';
  title: string;
  columns: ColumnDef[];
  search: SearchSpec<Row>;
  defaultSort: string;
  rowKey(row: Row): string;
  /** Example query shown as the search box's placeholder. */
  example: string;
  /** Fields to ask the API for (less to transfer for big estates); all when absent. */
  fields?: string[];
}

const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function cellText(col: ColumnDef, row: Row): string {
  const v = col.value(row);
  switch (col.format) {
    case 'bytes':
      return bytes(v);
    case 'date':
      return dateTime(v);
    case 'bool':
      return v === true ? 'yes' : v === false ? 'no' : '';
    case 'list':
      return Array.isArray(v) ? v.join(', ') : s(v);
    case 'percent':
      return num(v) === null ? '' : `${((v as number) * 100).toFixed(1)} %`;
    case 'duration':
      return num(v) === null ? '' : duration((v as number) * 1000);
    case 'count':
      return count(v);
    default:
      return Array.isArray(v) ? v.join(', ') : s(v);
  }
}

/** CSV keeps machine-friendly values: bytes and counts as numbers, dates as ISO 8601 (UTC). */
export function csvValue(col: ColumnDef, row: Row): unknown {
  const v = col.value(row);
  if (col.format === 'date') return num(v) === null ? '' : new Date((v as number) * 1000).toISOString();
  if (col.format === 'bytes' || col.format === 'count' || col.format === 'percent' || col.format === 'duration')
    return num(v) ?? '';
  if (col.format === 'bool') return v === true ? 'true' : v === false ? 'false' : '';
  return v;
}

export function csvHeader(col: ColumnDef): string {
  if (col.format === 'bytes') return `${col.label} (bytes)`;
  if (col.format === 'duration') return `${col.label} (s)`;
  return col.label;
}

const field = (
  key: string,
  get: (r: Row) => unknown,
  match: SearchField<Row>['match'],
  normalize?: (s: string) => string,
): SearchField<Row> => (normalize ? { key, values: get, match, normalize } : { key, values: get, match });
const prop = (k: string) => (r: Row) => r[k];
const macNorm = (v: string) => v.toUpperCase().replace(/-/g, ':');
const ipNorm = (v: string) => v;
const boolNorm = (v: string) => (['true', '1', 'yes'].includes(v.toLowerCase()) ? 'true' : 'false');

export function guestTags(r: Row): string[] {
  const t = r.tags;
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  if (typeof t === 'string') return t.split(/[;,\s]+/).filter(Boolean);
  return [];
}

export function guestMacs(r: Row): string[] {
  const nics = Array.isArray(r.nics) ? (r.nics as Row[]) : [];
  return nics.map((n) => n?.mac).filter((m): m is string => typeof m === 'string' && m !== '');
}

export function guestIps(r: Row): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => typeof v === 'string' && v && v !== 'dhcp' && out.add(v.replace(/\/\d+$/, ''));
  if (Array.isArray(r.ips)) r.ips.forEach(add);
  if (Array.isArray(r.nics))
    for (const n of r.nics as Row[]) {
      add(n?.ip);
      add(n?.ip6);
    }
  return [...out];
}

const usage = (used: string, total: string) => (r: Row) => {
  const u = num(r[used]);
  const t = num(r[total]);
  return u !== null && t ? u / t : null;
};

export const GUEST_SEARCH: SearchSpec<Row> = {
  fields: [
    field('name', prop('name'), 'contains'),
    field('status', prop('status'), 'exact'),
    field('tag', guestTags, 'equals'),
    field('cluster', prop('cluster'), 'equals'),
    field('type', prop('type'), 'exact'),
    field('node', prop('node'), 'equals'),
    field('pool', prop('pool'), 'equals'),
    field('vmid', prop('vmid'), 'exact'),
    field('ip', guestIps, 'prefix', ipNorm),
    field('mac', guestMacs, 'prefix', macNorm),
    field('uid', prop('uid'), 'exact', (v) => v),
    field('template', (r) => (r.template === true ? 'true' : 'false'), 'exact', boolNorm),
  ],
  text: [
    field('name', prop('name'), 'contains'),
    field('vmid', prop('vmid'), 'exact'),
    field('mac', guestMacs, 'prefix', macNorm),
    field('ip', guestIps, 'prefix', ipNorm),
  ],
};

/** For the other kinds: cluster and node by equality, the named columns by substring; free text over those. */
function simpleSearch(contains: string[], equals: string[] = []): SearchSpec<Row> {
  const fields = [
    field('cluster', prop('cluster'), 'equals'),
    field('node', prop('node'), 'equals'),
    ...equals.map((k) => field(k, prop(k), 'equals')),
    ...contains.map((k) => field(k, prop(k), 'contains')),
  ];
  return { fields, text: [...contains, 'cluster', 'node'].map((k) => field(k, prop(k), 'contains')) };
}

export const KINDS: Record<KindId, KindDef> = {
  guests: {
    id: 'guests',
    apiKind: 'instances',
    title: 'Guests',
    defaultSort: 'name',
    example: 'name:web status:running tag:prod cluster:eu',
    fields: [
      'uid',
      'name',
      'vmid',
      'type',
      'status',
      'cluster',
      'node',
      'vcpus',
      'memoryBytes',
      'diskBytes',
      'ips',
      'nics',
      'tags',
      'pool',
      'uptime',
      'ha',
      'template',
      'onboot',
      'ostype',
      'lock',
    ],
    rowKey: (r) => s(r.uid) || `${s(r.cluster)}/${s(r.vmid)}`,
    search: GUEST_SEARCH,
    columns: [
      { key: 'name', label: 'Name', width: 220, value: prop('name'), cell: 'guest-link', default: true },
      { key: 'vmid', label: 'VMID', width: 80, value: prop('vmid'), default: true },
      { key: 'type', label: 'Type', width: 70, value: prop('type'), default: true },
      { key: 'status', label: 'Status', width: 100, value: prop('status'), cell: 'status', default: true },
      { key: 'cluster', label: 'Cluster', width: 120, value: prop('cluster'), default: true },
      { key: 'node', label: 'Node', width: 110, value: prop('node'), default: true },
      { key: 'vcpus', label: 'vCPUs', width: 70, value: prop('vcpus'), format: 'count', default: true },
      { key: 'memoryBytes', label: 'Memory', width: 100, value: prop('memoryBytes'), format: 'bytes', default: true },
      { key: 'diskBytes', label: 'Disk', width: 100, value: prop('diskBytes'), format: 'bytes', default: true },
      { key: 'ips', label: 'IPs', width: 160, value: guestIps, format: 'list', default: true },
      { key: 'tags', label: 'Tags', width: 160, value: guestTags, cell: 'tags', default: true },
      { key: 'pool', label: 'Pool', width: 100, value: prop('pool') },
      { key: 'uptime', label: 'Uptime', width: 110, value: prop('uptime'), format: 'duration' },
      { key: 'ha', label: 'HA', width: 90, value: (r) => (r.ha as Row | undefined)?.state },
      { key: 'template', label: 'Template', width: 80, value: prop('template'), format: 'bool' },
      { key: 'onboot', label: 'On boot', width: 80, value: prop('onboot'), format: 'bool' },
      { key: 'macs', label: 'MACs', width: 160, value: guestMacs, format: 'list' },
      { key: 'ostype', label: 'OS type', width: 90, value: prop('ostype') },
      { key: 'lock', label: 'Lock', width: 80, value: prop('lock') },
      { key: 'uid', label: 'UID', width: 200, value: prop('uid') },
    ],
  },
  nodes: {
    id: 'nodes',
    apiKind: 'nodes',
    title: 'Nodes',
    defaultSort: 'node',
    example: 'cluster:eu status:online',
    rowKey: (r) => `${s(r.cluster)}/${s(r.node)}`,
    search: simpleSearch(['ip', 'cpuModel', 'pveVersion'], ['status']),
    columns: [
      { key: 'node', label: 'Node', width: 150, value: prop('node'), default: true },
      { key: 'cluster', label: 'Cluster', width: 120, value: prop('cluster'), default: true },
      { key: 'status', label: 'Status', width: 90, value: prop('status'), cell: 'status', default: true },
      { key: 'ip', label: 'IP', width: 130, value: prop('ip'), default: true },
      { key: 'cpus', label: 'CPUs', width: 70, value: prop('cpus'), format: 'count', default: true },
      { key: 'cpuUsage', label: 'CPU use', width: 90, value: prop('cpuUsage'), format: 'percent', default: true },
      {
        key: 'memTotalBytes',
        label: 'Memory',
        width: 100,
        value: prop('memTotalBytes'),
        format: 'bytes',
        default: true,
      },
      {
        key: 'memUse',
        label: 'Memory use',
        width: 130,
        value: usage('memUsedBytes', 'memTotalBytes'),
        cell: 'usage',
        default: true,
      },
      { key: 'uptime', label: 'Uptime', width: 110, value: prop('uptime'), format: 'duration', default: true },
      { key: 'pveVersion', label: 'PVE', width: 180, value: prop('pveVersion'), default: true },
      { key: 'cpuModel', label: 'CPU model', width: 220, value: prop('cpuModel') },
      { key: 'kernel', label: 'Kernel', width: 160, value: prop('kernel') },
      { key: 'haState', label: 'HA', width: 80, value: prop('haState') },
    ],
  },
  storages: {
    id: 'storages',
    apiKind: 'storages',
    title: 'Storages',
    defaultSort: 'storage',
    example: 'cluster:eu type:rbd',
    rowKey: (r) => `${s(r.cluster)}/${s(r.node) || '*'}/${s(r.storage)}`,
    search: simpleSearch(['storage'], ['type', 'status']),
    columns: [
      { key: 'storage', label: 'Storage', width: 160, value: prop('storage'), default: true },
      { key: 'cluster', label: 'Cluster', width: 120, value: prop('cluster'), default: true },
      { key: 'node', label: 'Node', width: 110, value: (r) => r.node ?? (r.shared ? 'shared' : ''), default: true },
      { key: 'type', label: 'Type', width: 90, value: prop('type'), default: true },
      { key: 'content', label: 'Content', width: 180, value: prop('content'), format: 'list', default: true },
      { key: 'totalBytes', label: 'Size', width: 100, value: prop('totalBytes'), format: 'bytes', default: true },
      { key: 'usedBytes', label: 'Used', width: 100, value: prop('usedBytes'), format: 'bytes', default: true },
      { key: 'use', label: 'Use', width: 130, value: usage('usedBytes', 'totalBytes'), cell: 'usage', default: true },
      { key: 'status', label: 'Status', width: 90, value: prop('status'), cell: 'status' },
      { key: 'shared', label: 'Shared', width: 70, value: prop('shared'), format: 'bool' },
      { key: 'availBytes', label: 'Free', width: 100, value: prop('availBytes'), format: 'bytes' },
    ],
  },
  disks: {
    id: 'disks',
    apiKind: 'disks',
    title: 'Disks',
    defaultSort: 'volid',
    example: 'cluster:eu storage:local-lvm',
    rowKey: (r) => `${s(r.cluster)}/${s(r.node)}/${s(r.volid)}/${s(r.vmid)}/${s(r.key)}`,
    search: simpleSearch(['volid', 'format'], ['storage', 'vmid']),
    columns: [
      { key: 'volid', label: 'Volume', width: 300, value: prop('volid'), default: true },
      { key: 'vmid', label: 'VMID', width: 80, value: prop('vmid'), default: true },
      { key: 'key', label: 'Slot', width: 80, value: prop('key'), default: true },
      { key: 'cluster', label: 'Cluster', width: 120, value: prop('cluster'), default: true },
      { key: 'node', label: 'Node', width: 110, value: prop('node'), default: true },
      { key: 'storage', label: 'Storage', width: 130, value: prop('storage'), default: true },
      { key: 'sizeBytes', label: 'Size', width: 100, value: prop('sizeBytes'), format: 'bytes', default: true },
      { key: 'format', label: 'Format', width: 80, value: prop('format'), default: true },
      { key: 'attached', label: 'Attached', width: 90, value: prop('attached'), format: 'bool', default: true },
      { key: 'unused', label: 'Unused', width: 80, value: prop('unused'), format: 'bool' },
      { key: 'shared', label: 'Shared', width: 80, value: prop('shared'), format: 'bool' },
    ],
  },
  backups: {
    id: 'backups',
    apiKind: 'backups',
    title: 'Backups',
    defaultSort: 'backupTime',
    example: 'cluster:eu vmid:100',
    rowKey: (r) => `${s(r.cluster)}/${s(r.storage)}/${s(r.volid)}`,
    search: simpleSearch(['volid', 'notes', 'owner'], ['storage', 'vmid', 'source']),
    columns: [
      { key: 'volid', label: 'Backup', width: 320, value: prop('volid'), default: true },
      { key: 'vmid', label: 'VMID', width: 80, value: prop('vmid'), default: true },
      { key: 'cluster', label: 'Cluster', width: 120, value: prop('cluster'), default: true },
      { key: 'storage', label: 'Storage', width: 130, value: prop('storage'), default: true },
      { key: 'backupTime', label: 'Taken', width: 150, value: prop('backupTime'), format: 'date', default: true },
      { key: 'sizeBytes', label: 'Size', width: 100, value: prop('sizeBytes'), format: 'bytes', default: true },
      { key: 'verification', label: 'Verified', width: 90, value: prop('verification'), default: true },
      { key: 'source', label: 'Source', width: 100, value: prop('source') },
      { key: 'format', label: 'Format', width: 90, value: prop('format') },
      { key: 'protected', label: 'Protected', width: 90, value: prop('protected'), format: 'bool' },
      { key: 'encrypted', label: 'Encrypted', width: 90, value: prop('encrypted'), format: 'bool' },
      { key: 'notes', label: 'Notes', width: 200, value: prop('notes') },
      { key: 'node', label: 'Node', width: 110, value: prop('node') },
    ],
  },
};

export function kindById(id: string): KindDef | undefined {
  return (KINDS as Record<string, KindDef>)[id];
}

export function visibleColumns(kind: KindDef, chosen: string[] | null): ColumnDef[] {
  if (!chosen || chosen.length === 0) return kind.columns.filter((c) => c.default);
  const byKey = new Map(kind.columns.map((c) => [c.key, c]));
  const cols = chosen.map((k) => byKey.get(k)).filter((c): c is ColumnDef => !!c);
  return cols.length ? cols : kind.columns.filter((c) => c.default);
}
