import { useEffect, useState } from 'preact/hooks';
import { get } from './api.ts';
import type { KindDef, Row } from './lib/kinds.ts';
import type { SnapshotDate } from './lib/url-state.ts';

/**
 * Loads a whole inventory table for a date and clusters, page by page, showing rows as soon as the first page
 * arrives. A published snapshot never changes, so a dated table is kept in memory for the session (a few
 * tables); `last` is kept for a minute, after which a newer snapshot may exist.
 */
interface Page {
  date: number;
  items: Row[];
  nextCursor?: string | null;
  total?: number;
}

export interface Inventory {
  rows: Row[];
  total: number | null;
  date: number | null;
  done: boolean;
  error: Error | null;
}

const FIRST_PAGE = 500;
const NEXT_PAGES = 5000;
const LAST_TTL_MS = 60_000;
const KEEP = 6;

const cache = new Map<string, { inv: Inventory; at: number }>();

function remember(key: string, inv: Inventory) {
  cache.delete(key);
  cache.set(key, { inv, at: Date.now() });
  while (cache.size > KEEP) cache.delete(cache.keys().next().value!);
}

export function useInventory(kind: KindDef, date: SnapshotDate, clusters: string[]): Inventory & { reload(): void } {
  const key = `${kind.apiKind}|${date}|${clusters.join(',')}`;
  const empty: Inventory = { rows: [], total: null, date: null, done: false, error: null };
  const [state, setState] = useState<{ key: string; inv: Inventory }>({ key: '', inv: empty });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const hit = cache.get(key);
    if (hit && (date !== 'last' || Date.now() - hit.at < LAST_TTL_MS) && tick === 0) {
      setState({ key, inv: hit.inv });
      return;
    }
    const ctl = new AbortController();
    let rows: Row[] = [];
    setState({ key, inv: empty });
    (async () => {
      let cursor: string | undefined;
      let resolved: SnapshotDate = date;
      let total: number | null = null;
      let first = true;
      for (;;) {
        const page = await get<Page>(
          `/inventory/${kind.apiKind}`,
          {
            date: String(resolved),
            cluster: clusters.length ? clusters.join(',') : undefined,
            fields: kind.fields?.join(','),
            limit: first ? FIRST_PAGE : NEXT_PAGES,
            cursor,
          },
          ctl.signal,
        );
        if (ctl.signal.aborted) return;
        // Later pages ask for the date the first one resolved `last` to, so one table is one snapshot.
        resolved = page.date ?? resolved;
        rows = rows.concat(page.items);
        total = typeof page.total === 'number' ? page.total : null;
        cursor = page.nextCursor ?? undefined;
        const done = !cursor || page.items.length === 0;
        const inv: Inventory = { rows, total, date: page.date ?? null, done, error: null };
        setState({ key, inv });
        first = false;
        if (done) {
          remember(key, inv);
          return;
        }
      }
    })().catch((error: Error) => {
      if (ctl.signal.aborted || error.name === 'AbortError') return;
      setState({ key, inv: { rows, total: null, date: null, done: true, error } });
    });
    return () => ctl.abort();
  }, [key, tick]);

  const inv = state.key === key ? state.inv : empty;
  return {
    ...inv,
    reload: () => {
      cache.delete(key);
      setTick((t) => t + 1);
    },
  };
}
