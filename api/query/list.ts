import type { CursorPosition } from './cursor.ts';
import { badRequest } from './errors.ts';
import { type Doc, guestTags } from './guest-fields.ts';
import type { SearchQuery } from './search-language.ts';
import { compileSearch } from './search-match.ts';
import { comparePositions, type SortValue, toSortValue } from './sort.ts';

/**
 * Filtering, sorting, keyset paging and field selection over one equality-bounded set of documents (a date,
 * some clusters). Pure: the route reads the set (usually from the snapshot cache) and hands it here.
 */
export const KINDS = ['instances', 'nodes', 'storages', 'disks', 'backups', 'clusters'] as const;
export type Kind = (typeof KINDS)[number];

export interface KindSpec {
  defaultSort: string;
  sortable: readonly string[];
  /** the field the `name` filter reads */
  nameField: string;
  /** the field the `type` filter reads */
  typeField: string;
}

const COMMON = ['cluster', 'node', 'date'];

export const KIND_SPECS: Record<Kind, KindSpec> = {
  instances: {
    defaultSort: 'vmid',
    sortable: [
      ...COMMON,
      'vmid',
      'uid',
      'name',
      'status',
      'type',
      'pool',
      'vcpus',
      'memoryBytes',
      'diskBytes',
      'disks',
      'uptime',
      'cpuUsage',
      'memUsedBytes',
      'ctime',
    ],
    nameField: 'name',
    typeField: 'type',
  },
  nodes: {
    defaultSort: 'node',
    sortable: [...COMMON, 'status', 'cpus', 'memTotalBytes', 'memUsedBytes', 'uptime', 'cpuUsage', 'pveVersion'],
    nameField: 'node',
    typeField: 'status',
  },
  storages: {
    defaultSort: 'storage',
    sortable: [...COMMON, 'storage', 'type', 'shared', 'status', 'totalBytes', 'usedBytes', 'availBytes'],
    nameField: 'storage',
    typeField: 'type',
  },
  disks: {
    defaultSort: 'volid',
    sortable: [...COMMON, 'volid', 'vmid', 'uid', 'storage', 'sizeBytes', 'format', 'key', 'bus', 'attached', 'unused'],
    nameField: 'volid',
    typeField: 'guestType',
  },
  backups: {
    defaultSort: 'backupTime',
    sortable: [...COMMON, 'volid', 'vmid', 'storage', 'sizeBytes', 'backupTime', 'format', 'source', 'backupType'],
    nameField: 'volid',
    typeField: 'backupType',
  },
  clusters: {
    defaultSort: 'cluster',
    sortable: [...COMMON, 'kind', 'version', 'quorate', 'nodes', 'nodesOnline'],
    nameField: 'cluster',
    typeField: 'kind',
  },
};

export interface ListFilters {
  status?: string[];
  type?: string[];
  node?: string[];
  tag?: string[];
  pool?: string[];
  /** substring or `*` glob, case-insensitive */
  name?: string;
}

export interface ListOptions {
  filters: ListFilters;
  search: SearchQuery;
  sort: string;
  order: 'asc' | 'desc';
  fields?: string[];
  limit: number;
  cursor?: CursorPosition;
}

export interface ListPage {
  items: Doc[];
  total: number;
  /** position after the last item, when more items follow */
  next?: CursorPosition;
}

export function parseSort(kind: Kind, sort: string | undefined, order: string | undefined) {
  const spec = KIND_SPECS[kind];
  const s = sort === undefined || sort === '' ? spec.defaultSort : sort;
  if (!spec.sortable.includes(s)) {
    throw badRequest(
      'invalid_sort',
      `Parameter sort must be one of ${spec.sortable.join(', ')} for ${kind}; got ${JSON.stringify(s)}.`,
    );
  }
  const o = order === undefined || order === '' ? 'asc' : order;
  if (o !== 'asc' && o !== 'desc')
    throw badRequest('invalid_order', `Parameter order must be asc or desc; got ${JSON.stringify(o)}.`);
  return { sort: s, order: o as 'asc' | 'desc' };
}

const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function parseFields(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const fields = raw.split(',').map((f) => f.trim());
  if (fields.length > 64) throw badRequest('invalid_fields', 'Parameter fields names at most 64 fields.');
  for (const f of fields) {
    if (!FIELD_RE.test(f))
      throw badRequest('invalid_fields', `Parameter fields has an invalid field name ${JSON.stringify(f)}.`);
  }
  return [...new Set(fields)];
}

/** A document's unique, stable key for tie-breaking and cursors. */
export function docKey(doc: Doc): string {
  const id = doc._id;
  if (id !== undefined && id !== null) return String(id);
  return JSON.stringify([doc.cluster, doc.node, doc.vmid, doc.volid, doc.storage]);
}

function globOrSubstring(value: string): RegExp {
  const body = value
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(value.includes('*') ? `^${body}$` : body, 'i');
}

export function compileFilters(kind: Kind, f: ListFilters): (doc: Doc) => boolean {
  const spec = KIND_SPECS[kind];
  const preds: ((d: Doc) => boolean)[] = [];
  const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
  if (f.status?.length) {
    const want = lower(f.status);
    preds.push((d) => want.includes(String(d.status ?? '').toLowerCase()));
  }
  if (f.type?.length) {
    const want = lower(f.type);
    preds.push((d) => want.includes(String(d[spec.typeField] ?? '').toLowerCase()));
  }
  if (f.node?.length) {
    const want = f.node;
    preds.push((d) => typeof d.node === 'string' && want.includes(d.node));
  }
  if (f.pool?.length) {
    const want = f.pool;
    preds.push((d) => typeof d.pool === 'string' && want.includes(d.pool));
  }
  if (f.tag?.length) {
    const want = lower(f.tag);
    preds.push((d) => guestTags(d).some((t) => want.includes(t.toLowerCase())));
  }
  if (f.name) {
    const re = globOrSubstring(f.name);
    preds.push((d) => re.test(String(d[spec.nameField] ?? '')));
  }
  return (d) => preds.every((p) => p(d));
}

export function project(doc: Doc, fields: string[] | undefined): Doc {
  if (!fields) return doc;
  const out: Doc = {};
  for (const f of fields) if (f in doc) out[f] = doc[f];
  return out;
}

/** Filters and sorts a set once; the result can be cached and paged many times. */
export function filterAndSort(
  kind: Kind,
  docs: readonly Doc[],
  opts: Pick<ListOptions, 'filters' | 'search' | 'sort' | 'order'>,
) {
  const keep = compileFilters(kind, opts.filters);
  const match = compileSearch(opts.search);
  const desc = opts.order === 'desc';
  const rows: { s: SortValue; k: string; doc: Doc }[] = [];
  for (const doc of docs) {
    if (keep(doc) && match(doc)) rows.push({ s: toSortValue(doc[opts.sort]), k: docKey(doc), doc });
  }
  rows.sort((a, b) => comparePositions(a, b, desc));
  return rows;
}

export type SortedRows = ReturnType<typeof filterAndSort>;

/** One page after `cursor` (binary search on the sorted rows). */
export function pageRows(rows: SortedRows, opts: Pick<ListOptions, 'limit' | 'cursor' | 'fields' | 'order'>): ListPage {
  let start = 0;
  if (opts.cursor) {
    const desc = opts.order === 'desc';
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePositions(rows[mid] as SortedRows[number], opts.cursor, desc) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const slice = rows.slice(start, start + opts.limit);
  const last = slice[slice.length - 1];
  const more = start + slice.length < rows.length;
  return {
    items: slice.map((r) => project(r.doc, opts.fields)),
    total: rows.length,
    ...(more && last ? { next: { s: last.s, k: last.k } } : {}),
  };
}

export function listPage(kind: Kind, docs: readonly Doc[], opts: ListOptions): ListPage {
  return pageRows(filterAndSort(kind, docs, opts), opts);
}
