/** Sorting for table columns: numbers numerically, text naturally (web2 before web10), empty values last. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));
}

export function compareValues(a: unknown, b: unknown): number {
  const ea = isEmpty(a);
  const eb = isEmpty(b);
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = Array.isArray(a) ? a.join(' ') : String(a);
  const sb = Array.isArray(b) ? b.join(' ') : String(b);
  return collator.compare(sa, sb);
}

/** A stable sort of a copy; empty values stay last in both directions. */
export function sortRows<R>(rows: readonly R[], value: (row: R) => unknown, order: 'asc' | 'desc'): R[] {
  const keyed = rows.map((row, i) => ({ row, i, v: value(row) }));
  const dir = order === 'desc' ? -1 : 1;
  keyed.sort((x, y) => {
    const ex = isEmpty(x.v);
    const ey = isEmpty(y.v);
    if (ex || ey) return ex === ey ? x.i - y.i : ex ? 1 : -1;
    return compareValues(x.v, y.v) * dir || x.i - y.i;
  });
  return keyed.map((k) => k.row);
}
