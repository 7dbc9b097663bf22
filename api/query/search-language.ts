import { badRequest } from './errors.ts';

/**
 * The search language, after Proxmox Datacenter Manager's resource search:
 *
 *   name:web status:running tag:prod cluster:eu type:qemu node:pve1 pool:x vmid:100 ip:10.0. mac:bc:24
 *
 * - terms are separated by spaces and AND-ed;
 * - `field:value`; several values separated by commas are OR-ed (`status:running,paused`);
 * - a leading `-` or `!` negates a term (`-tag:test`);
 * - values may be quoted (`name:"web 01"`); `*` is a wildcard in name, node, pool and tag values;
 * - a term without a known field is free text and matches the name, the vmid, a MAC or an IP.
 * MAC addresses and IPv6 addresses typed as free text are recognised despite their colons.
 */
export const SEARCH_FIELDS = [
  'name',
  'status',
  'tag',
  'cluster',
  'type',
  'node',
  'pool',
  'vmid',
  'ip',
  'mac',
  'uid',
  'template',
] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

export interface SearchTerm {
  field: SearchField | 'text';
  values: string[];
  negate: boolean;
}

export interface SearchQuery {
  terms: SearchTerm[];
}

const MAX_QUERY = 1000;
const MAX_TERMS = 32;

/** Splits on whitespace, keeping double-quoted runs together (quotes removed, `\"` kept as a quote). */
function tokenize(q: string): string[] {
  const tokens: string[] = [];
  let cur = '';
  let inQuote = false;
  let hasToken = false;
  for (let i = 0; i < q.length; i++) {
    const c = q[i] as string;
    if (inQuote) {
      if (c === '\\' && q[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') inQuote = false;
      else cur += c;
    } else if (c === '"') {
      inQuote = true;
      hasToken = true;
    } else if (/\s/.test(c)) {
      if (hasToken) tokens.push(cur);
      cur = '';
      hasToken = false;
    } else {
      cur += c;
      hasToken = true;
    }
  }
  if (inQuote) throw badRequest('invalid_search', 'The search has an unclosed double quote.');
  if (hasToken) tokens.push(cur);
  return tokens;
}

/** Free text that merely looks like `word:rest`: MAC addresses, IPv6 addresses, partial forms of both. */
const ADDRESS_LIKE = /^[0-9a-f]{1,4}(:[0-9a-f]{0,4})+$/i;

export function parseSearch(q: string | undefined): SearchQuery {
  if (q === undefined) return { terms: [] };
  if (q.length > MAX_QUERY) throw badRequest('invalid_search', `The search is longer than ${MAX_QUERY} characters.`);
  const terms: SearchTerm[] = [];
  for (const token of tokenize(q)) {
    let body = token;
    let negate = false;
    if ((body.startsWith('-') || body.startsWith('!')) && body.length > 1) {
      negate = true;
      body = body.slice(1);
    }
    const colon = body.indexOf(':');
    const key = colon > 0 ? body.slice(0, colon).toLowerCase() : '';
    if (colon > 0 && (SEARCH_FIELDS as readonly string[]).includes(key)) {
      const field = key as SearchField;
      const values = body
        .slice(colon + 1)
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length === 0) {
        throw badRequest('invalid_search', `The search term "${token}" has no value after "${key}:".`);
      }
      for (const v of values) validateValue(field, v);
      terms.push({ field, values, negate });
    } else if (colon > 0 && /^[a-z][a-z_-]*$/i.test(key) && !ADDRESS_LIKE.test(body)) {
      throw badRequest(
        'invalid_search',
        `The search field "${key}" is unknown; use one of ${SEARCH_FIELDS.join(', ')} or plain text.`,
      );
    } else if (body !== '') {
      terms.push({ field: 'text', values: [body], negate });
    }
    if (terms.length > MAX_TERMS) throw badRequest('invalid_search', `The search has more than ${MAX_TERMS} terms.`);
  }
  return { terms };
}

function validateValue(field: SearchField, v: string): void {
  if (field === 'vmid' && !/^[0-9]{1,9}$/.test(v)) {
    throw badRequest('invalid_search', `The search value vmid:${v} must be a number.`);
  }
  if (field === 'type' && !['qemu', 'lxc'].includes(v.toLowerCase())) {
    throw badRequest('invalid_search', `The search value type:${v} must be qemu or lxc.`);
  }
  if (field === 'template' && !['true', 'false', '1', '0', 'yes', 'no'].includes(v.toLowerCase())) {
    throw badRequest('invalid_search', `The search value template:${v} must be true or false.`);
  }
}

/**
 * The part of a search that can be pushed down as plain equality (FerretDB answers only top-level equality
 * without scanning in Go): single-valued, non-negated cluster, node, type, status, pool, vmid and uid terms.
 */
export function searchEqualities(query: SearchQuery): Record<string, string | number> {
  const eq: Record<string, string | number> = {};
  for (const t of query.terms) {
    if (t.negate || t.values.length !== 1) continue;
    const v = t.values[0] as string;
    if (v.includes('*')) continue;
    if (t.field === 'vmid') eq.vmid = Number(v);
    else if (t.field === 'cluster' || t.field === 'node' || t.field === 'uid' || t.field === 'pool') eq[t.field] = v;
    else if (t.field === 'type' || t.field === 'status') eq[t.field] = v.toLowerCase();
  }
  return eq;
}

/** The clusters a search names positively (`cluster:a,b`), or undefined when it does not restrict them. */
export function searchClusters(query: SearchQuery): string[] | undefined {
  let out: string[] | undefined;
  for (const t of query.terms) {
    if (t.field !== 'cluster' || t.negate || t.values.some((v) => v.includes('*'))) continue;
    out = out ? out.filter((c) => t.values.includes(c)) : [...t.values];
  }
  return out;
}
