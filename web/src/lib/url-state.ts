/**
 * What a view shows lives in its URL, so a link reproduces it: `?date=1732355100&cluster=eu,us&q=status:running
 * &sort=name&order=desc&cols=name,vmid`. Defaults are left out: no `date` means the latest snapshot, no `cluster`
 * means every cluster the user may see.
 */

export type SnapshotDate = 'last' | number;

export interface ViewState {
  date: SnapshotDate;
  clusters: string[];
  q: string;
  sort: string | null;
  order: 'asc' | 'desc';
  cols: string[] | null;
}

/** Parameters that follow the user from page to page. */
export const CARRIED = ['date', 'cluster'] as const;

export function parseDate(v: string | null | undefined): SnapshotDate {
  if (!v || v === 'last' || v === 'latest') return 'last';
  if (!/^\d{1,12}$/.test(v)) return 'last';
  const n = Number(v);
  return n > 0 ? n : 'last';
}

function list(v: string | null): string[] {
  if (!v) return [];
  return [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

export function readView(search: string): ViewState {
  const p = new URLSearchParams(search);
  const cols = p.get('cols');
  return {
    date: parseDate(p.get('date')),
    clusters: list(p.get('cluster')),
    q: p.get('q') ?? '',
    sort: p.get('sort') || null,
    order: p.get('order') === 'desc' ? 'desc' : 'asc',
    cols: cols === null ? null : list(cols),
  };
}

/** Applies a change to a query string and returns the new one ('' or '?…'), dropping default values. */
export function writeView(search: string, patch: Partial<ViewState>): string {
  const p = new URLSearchParams(search);
  const set = (k: string, v: string | null) => (v === null || v === '' ? p.delete(k) : p.set(k, v));
  if ('date' in patch) set('date', patch.date === 'last' || patch.date === undefined ? null : String(patch.date));
  if ('clusters' in patch) set('cluster', patch.clusters?.length ? patch.clusters.join(',') : null);
  if ('q' in patch) set('q', patch.q?.trim() ? patch.q : null);
  if ('sort' in patch) set('sort', patch.sort ?? null);
  if ('order' in patch) set('order', patch.order === 'desc' ? 'desc' : null);
  if ('cols' in patch) set('cols', patch.cols ? patch.cols.join(',') : null);
  return queryString(p);
}

/** Sets or removes arbitrary parameters. */
export function withParams(search: string, params: Record<string, string | number | null | undefined>): string {
  const p = new URLSearchParams(search);
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') p.delete(k);
    else p.set(k, String(v));
  }
  return queryString(p);
}

/** Only the parameters that follow the user to another page (date and clusters). */
export function carried(search: string): string {
  const from = new URLSearchParams(search);
  const p = new URLSearchParams();
  for (const k of CARRIED) {
    const v = from.get(k);
    if (v) p.set(k, v);
  }
  return queryString(p);
}

function queryString(p: URLSearchParams): string {
  p.sort();
  // Commas and colons stay readable in shared links; both are legal in a query.
  const s = p.toString().replace(/%2C/gi, ',').replace(/%3A/gi, ':');
  return s ? `?${s}` : '';
}

/** The API's query parameters for a view: `date` and `cluster` as the API expects them. */
export function apiScope(view: Pick<ViewState, 'date' | 'clusters'>): Record<string, string> {
  const out: Record<string, string> = { date: String(view.date) };
  if (view.clusters.length) out.cluster = view.clusters.join(',');
  return out;
}
