import { badRequest } from './errors.ts';

/**
 * Parsers for the values that appear in paths and query strings. Each throws a 400 DataApiError naming the
 * parameter and the accepted form, so a typo in a URL gets an answer a person can fix.
 */

export type DateRef = number | 'last';

/** Snapshot dates are integer epoch seconds (2001-09-09 .. 2286-11-20: exactly 10 digits). */
const DATE_RE = /^[1-9][0-9]{9}$/;

export function parseDateRef(raw: string | undefined, param = 'date'): DateRef {
  if (raw === undefined || raw === '' || raw === 'last') return 'last';
  if (!DATE_RE.test(raw)) {
    throw badRequest(
      'invalid_date',
      `Parameter ${param} must be "last" or a snapshot date in epoch seconds (10 digits, e.g. 1714060800); got ${JSON.stringify(raw)}.`,
    );
  }
  return Number(raw);
}

/** A date that must be a number (ranges, diffs). `last` is accepted where allowLast is set. */
export function parseDate(raw: string | undefined, param: string, opts: { allowLast?: boolean } = {}): DateRef {
  if (raw === undefined || raw === '') throw badRequest('missing_parameter', `Parameter ${param} is required.`);
  const d = parseDateRef(raw, param);
  if (d === 'last' && !opts.allowLast) {
    throw badRequest('invalid_date', `Parameter ${param} must be a snapshot date in epoch seconds.`);
  }
  return d;
}

/** Cluster names as the registry accepts them: letters, digits, dot, dash, underscore; 1-64. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function parseClusterName(raw: string, param = 'cluster'): string {
  if (!NAME_RE.test(raw)) {
    throw badRequest(
      'invalid_name',
      `Parameter ${param} must be a cluster name (letters, digits, ".", "-", "_"; 1-64 characters); got ${JSON.stringify(raw)}.`,
    );
  }
  return raw;
}

/** Proxmox node names are host names: letters, digits and dashes, not starting or ending with a dash. */
const NODE_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function parseNodeName(raw: string, param = 'node'): string {
  if (!NODE_RE.test(raw)) {
    throw badRequest(
      'invalid_name',
      `Parameter ${param} must be a Proxmox node name (letters, digits and "-"); got ${JSON.stringify(raw)}.`,
    );
  }
  return raw;
}

/** PVE vmids are 100 .. 999999999. */
export function parseVmid(raw: string, param = 'vmid'): number {
  if (!/^[1-9][0-9]{2,8}$/.test(raw)) {
    throw badRequest(
      'invalid_vmid',
      `Parameter ${param} must be a guest id between 100 and 999999999; got ${JSON.stringify(raw)}.`,
    );
  }
  return Number(raw);
}

/** Guest uids are opaque strings made by the crawler; this only bounds their alphabet and length. */
export function parseUid(raw: string, param = 'uid'): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9:._@-]{0,127}$/.test(raw)) {
    throw badRequest('invalid_uid', `Parameter ${param} is not a guest uid; got ${JSON.stringify(raw)}.`);
  }
  return raw;
}

/** MongoDB ObjectId as 24 hex digits (HyperProxmox's `/id/<MongoID>`). */
export function parseObjectIdHex(raw: string, param = 'id'): string {
  if (!/^[0-9a-fA-F]{24}$/.test(raw)) {
    throw badRequest(
      'invalid_id',
      `Parameter ${param} must be a document id of 24 hexadecimal digits; got ${JSON.stringify(raw)}.`,
    );
  }
  return raw.toLowerCase();
}

export function parseLimit(raw: string | undefined, opts: { def: number; max: number }): number {
  if (raw === undefined || raw === '') return opts.def;
  if (!/^[0-9]{1,7}$/.test(raw) || Number(raw) < 1 || Number(raw) > opts.max) {
    throw badRequest(
      'invalid_limit',
      `Parameter limit must be an integer between 1 and ${opts.max}; got ${JSON.stringify(raw)}.`,
    );
  }
  return Number(raw);
}

export function parseList(raw: string | undefined): string[] {
  if (raw === undefined || raw === '') return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `cluster=a,b`: each validated; duplicates removed. */
export function parseClusterList(raw: string | undefined, param = 'cluster'): string[] {
  return [...new Set(parseList(raw).map((c) => parseClusterName(c, param)))];
}

export function parseBoolean(raw: string | undefined, param: string): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw badRequest('invalid_boolean', `Parameter ${param} must be true or false; got ${JSON.stringify(raw)}.`);
}

export function parsePositiveNumber(
  raw: string | undefined,
  param: string,
  opts: { def: number; max: number },
): number {
  if (raw === undefined || raw === '') return opts.def;
  const n = Number(raw);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(raw) || !(n > 0) || n > opts.max) {
    throw badRequest(
      'invalid_number',
      `Parameter ${param} must be a number above 0 and at most ${opts.max}; got ${JSON.stringify(raw)}.`,
    );
  }
  return n;
}
