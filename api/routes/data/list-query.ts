import type { AppContext } from '../../context.ts';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../query/cursor.ts';
import {
  filterAndSort,
  type Kind,
  type ListFilters,
  pageRows,
  parseFields,
  parseSort,
  type SortedRows,
} from '../../query/list.ts';
import { parseClusterList, parseDateRef, parseLimit, parseList, parseNodeName } from '../../query/params.ts';
import { parseSearch, searchClusters } from '../../query/search-language.ts';
import { clustersToRead, dataServices, visibleSet } from './data-services.ts';

/**
 * The shared engine of /inventory/{kind} and /search: resolve the date, pick the clusters the caller may
 * read, take their documents from the snapshot cache, filter and sort them once (cached per query, so
 * paging costs a binary search), and cut one page.
 */
export interface ListQueryRaw {
  date?: string | undefined;
  cluster?: string | undefined;
  node?: string | undefined;
  status?: string | undefined;
  type?: string | undefined;
  tag?: string | undefined;
  pool?: string | undefined;
  name?: string | undefined;
  q?: string | undefined;
  sort?: string | undefined;
  order?: string | undefined;
  fields?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
}

export async function runListQuery(
  c: AppContext,
  kind: Kind,
  raw: ListQueryRaw,
  opts: { defLimit: number; maxLimit: number },
) {
  const dateRef = parseDateRef(raw.date);
  const requested = parseClusterList(raw.cluster);
  const filters: ListFilters = {
    node: parseList(raw.node).map((n) => parseNodeName(n)),
    status: parseList(raw.status),
    type: parseList(raw.type),
    tag: parseList(raw.tag),
    pool: parseList(raw.pool),
    ...(raw.name ? { name: raw.name } : {}),
  };
  const search = parseSearch(raw.q);
  const { sort, order } = parseSort(kind, raw.sort, raw.order);
  const fields = parseFields(raw.fields);
  const limit = parseLimit(raw.limit, { def: opts.defLimit, max: opts.maxLimit });

  const { index, reader } = dataServices(c);
  const snapshot = await index.resolve(dateRef);
  const visible = await visibleSet(c);
  // `cluster:` terms of the search narrow the read the same way as the cluster parameter.
  const fromSearch = searchClusters(search);
  const named = requested.length ? requested : undefined;
  let clusters = clustersToRead(snapshot, visible, named);
  if (fromSearch) clusters = clusters.filter((cl) => fromSearch.includes(cl));

  const fingerprint = queryFingerprint({ kind, date: snapshot.date, clusters, filters, q: raw.q ?? '', sort, order });
  const cursor = raw.cursor ? decodeCursor(raw.cursor, fingerprint) : undefined;
  const rows = await reader.cache.get<SortedRows>(
    `list|${fingerprint}`,
    [snapshot.date],
    async () => filterAndSort(kind, await reader.docs(kind, snapshot, clusters), { filters, search, sort, order }),
    (r) => r.length,
  );
  const page = pageRows(rows, { limit, order, fields, ...(cursor ? { cursor } : {}) });
  return {
    date: snapshot.date,
    items: page.items,
    total: page.total,
    nextCursor: page.next ? encodeCursor(page.next, fingerprint) : null,
  };
}
