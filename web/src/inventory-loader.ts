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

const PAGE = 5000;
/** Clusters loaded at once: the first rows come after one cluster's read, the rest follow. */
const PARALLEL = 2;
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
      // The cluster list fixes the snapshot (`last` resolved once) and splits the work: the API reads and
      // caches inventory per cluster, so the first cluster's rows show while the others load.
      let resolved: number | null = typeof date === 'number' ? date : null;
      let names = clusters;
      if (!names.length) {
        const list = await get<Page>(
          '/inventory/clusters',
          { date: String(date), fields: 'cluster', limit: 5000 },
          ctl.signal,
        );
        resolved = list.date;
        names = [...new Set(list.items.map((c) => String(c.cluster)))];
      }
      const totals = new Map<string, number>();
      let published = 0;
      const publish = (done: boolean) => {
        if (ctl.signal.aborted) return;
        const total = totals.size === names.length ? [...totals.values()].reduce((a, b) => a + b, 0) : null;
        const inv: Inventory = { rows, total, date: resolved, done, error: null };
        setState({ key, inv });
        if (done) remember(key, inv);
        published = rows.length;
      };
      const loadCluster = async (cluster: string) => {
        let cursor: string | undefined;
        for (;;) {
          const page = await get<Page>(
            `/inventory/${kind.apiKind}`,
            {
              date: String(resolved ?? date),
              cluster,
              fields: kind.fields?.join(','),
              limit: PAGE,
              cursor,
            },
            ctl.signal,
          );
          if (ctl.signal.aborted) return;
          resolved ??= page.date;
          rows = rows.concat(page.items);
          if (typeof page.total === 'number') totals.set(cluster, page.total);
          cursor = page.nextCursor ?? undefined;
          if (!cursor || page.items.length === 0) return;
          if (rows.length - published >= PAGE) publish(false);
        }
      };
      const queue = [...names];
      const worker = async () => {
        for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
          await loadCluster(c);
          publish(false);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL, names.length) }, worker));
      publish(true);
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
