/**
 * Total order over the scalar values found in documents: missing/null first, then booleans, numbers and
 * strings (strings compared case-insensitively, then by code unit so the order is total).
 */
export type SortValue = string | number | boolean | null;

export function toSortValue(v: unknown): SortValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.length === 0 ? null : toSortValue(v[0]);
  return String(v);
}

const rank = (v: SortValue) => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : 3);

export function compareValues(a: SortValue, b: SortValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a === null || b === null) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const la = String(a).toLowerCase();
  const lb = String(b).toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares (sortValue, key) pairs; `desc` reverses the sort value, never the key, so ties stay stable. */
export function comparePositions(
  a: { s: SortValue; k: string },
  b: { s: SortValue; k: string },
  desc: boolean,
): number {
  const c = compareValues(a.s, b.s);
  if (c !== 0) return desc ? -c : c;
  return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
}
