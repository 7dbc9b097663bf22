/**
 * The search language of the API (api/query/search-language.ts), run in the browser over rows already loaded
 * so that every keystroke filters at once:
 *
 *   name:web status:running tag:prod cluster:eu type:qemu node:pve1 pool:x vmid:100 ip:10.0. mac:bc:24
 *
 * Terms are separated by spaces and AND-ed; `field:a,b` OR-s values; a leading `-` or `!` negates; values may be
 * double-quoted (`name:"web 01"`); `*` is a wildcard. Matching is case-insensitive. A term without a known
 * field is free text. The same query sent to the API as `q` gives the same rows (a test checks this).
 */

export interface SearchTerm {
  key: string | null;
  values: string[];
  negate: boolean;
}

/**
 * - contains: substring, or an unanchored glob with `*` (name);
 * - equals: the whole value, or an anchored glob with `*` (cluster, node, pool, tag);
 * - exact: the whole value, no wildcards (status, type, vmid);
 * - prefix: the start of the value (ip, mac).
 */
export type FieldMatch = 'contains' | 'equals' | 'exact' | 'prefix';

export interface SearchField<R> {
  key: string;
  /** A value, or several (tags, IPs): the term matches when any one of them does. */
  values(row: R): unknown;
  match: FieldMatch;
  /** Applied to typed values and row values alike (e.g. MAC addresses to one spelling). */
  normalize?: (s: string) => string;
}

export interface SearchSpec<R> {
  fields: readonly SearchField<R>[];
  /** What free text matches: any one of these fields (keys here need not be searchable by name). */
  text: readonly SearchField<R>[];
}

export class SearchError extends Error {}

/** Free text that only looks like `word:rest`: MAC and IPv6 addresses, whole or partial. */
const ADDRESS_LIKE = /^[0-9a-f]{1,4}(:[0-9a-f]{0,4})+$/i;

/** Splits on whitespace, keeping double-quoted runs together (quotes removed, `\"` kept as a quote). */
export function tokenize(q: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (let i = 0; i < q.length; i++) {
    const c = q[i]!;
    if (inQuote) {
      if (c === '\\' && q[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') inQuote = false;
      else cur += c;
    } else if (c === '"') {
      inQuote = true;
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (inQuote) throw new SearchError('The search has an unclosed double quote.');
  if (has) out.push(cur);
  return out;
}

/**
 * Parses a query. `key:` with no value yet (the user is still typing) is skipped rather than an error; an
 * unknown `word:` is an error, as the API answers.
 */
export function parseSearch(q: string, keys: ReadonlySet<string>): SearchTerm[] {
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
    if (colon > 0 && keys.has(key)) {
      const values = body
        .slice(colon + 1)
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length) terms.push({ key, values, negate });
    } else if (colon > 0 && /^[a-z][a-z_-]*$/i.test(key) && !ADDRESS_LIKE.test(body)) {
      throw new SearchError(`Unknown search field "${key}": use ${[...keys].join(', ')} or plain text.`);
    } else if (body !== '' && body !== '-' && body !== '!') {
      terms.push({ key: null, values: [body], negate });
    }
  }
  return terms;
}

function globRegExp(glob: string, anchored: boolean): RegExp {
  const body = glob
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(anchored ? `^${body}$` : body, 'i');
}

function valueMatcher(field: SearchField<unknown>, typed: string): (candidate: string) => boolean {
  const norm = field.normalize ?? ((s: string) => s.toLowerCase());
  const v = norm(typed);
  switch (field.match) {
    case 'contains':
      if (typed.includes('*')) {
        const re = globRegExp(typed, false);
        return (c) => re.test(c);
      }
      return (c) => c.includes(v);
    case 'equals':
      if (typed.includes('*')) {
        const re = globRegExp(typed, true);
        return (c) => re.test(c);
      }
      return (c) => c === v;
    case 'exact':
      return (c) => c === v;
    case 'prefix':
      return (c) => c.startsWith(v);
  }
}

/** Row values of a field as normalised strings, cached per row: repeated keystrokes only compare. */
const valueCache = new WeakMap<object, WeakMap<object, string[]>>();

function rowValues<R extends object>(field: SearchField<R>): (row: R) => string[] {
  let cache = valueCache.get(field);
  if (!cache) {
    cache = new WeakMap();
    valueCache.set(field, cache);
  }
  const c = cache;
  const norm = field.normalize ?? ((s: string) => s.toLowerCase());
  const flat = (v: unknown): string[] =>
    v === null || v === undefined || v === '' ? [] : Array.isArray(v) ? v.flatMap(flat) : [norm(String(v))];
  return (row) => {
    let vs = c.get(row);
    if (!vs) {
      vs = flat(field.values(row));
      c.set(row, vs);
    }
    return vs;
  };
}

export interface CompiledSearch<R> {
  test: (row: R) => boolean;
  terms: SearchTerm[];
  error: string | null;
}

/** Compiles a query into a row predicate; a query that does not parse matches nothing and says why. */
export function compileSearch<R extends object>(q: string, spec: SearchSpec<R>): CompiledSearch<R> {
  const byKey = new Map(spec.fields.map((f) => [f.key, f]));
  let terms: SearchTerm[];
  try {
    terms = parseSearch(q, new Set(byKey.keys()));
  } catch (e) {
    return { test: () => false, terms: [], error: (e as Error).message };
  }
  const preds = terms.map((term) => {
    const fields = term.key === null ? spec.text : [byKey.get(term.key)!];
    const checks = fields.flatMap((f) => {
      const values = rowValues(f);
      return term.values.map((typed) => {
        const m = valueMatcher(f as SearchField<unknown>, typed);
        return (row: R) => values(row).some(m);
      });
    });
    const any = (row: R) => checks.some((check) => check(row));
    return term.negate ? (row: R) => !any(row) : any;
  });
  return { test: (row) => preds.every((p) => p(row)), terms, error: null };
}

/**
 * Fills the per-row value caches of every field, so that the first keystroke that uses a field does not pay
 * for reading it from every row. Run when the browser is idle after rows load.
 */
export function warmSearch<R extends object>(rows: readonly R[], spec: SearchSpec<R>): void {
  const readers = [...spec.fields, ...spec.text].map((f) => rowValues(f));
  for (const row of rows) for (const read of readers) read(row);
}
