import { createRoute, z } from '@hono/zod-openapi';
import type { InventoryName } from '../../../shared/store/collections.ts';
import { inventory } from '../../../shared/store/collections.ts';
import { notFound } from '../../query/errors.ts';
import { KINDS, type Kind } from '../../query/list.ts';
import { parseClusterList, parseDateRef } from '../../query/params.ts';
import { defineRoute } from '../../routing.ts';
import { clustersToRead, dataServices, visibleSet } from './data-services.ts';
import { runListQuery } from './list-query.ts';
import { commaList, DateParam, DocSchema, jsonContent, KindParam, raw } from './schemas.ts';
import { type DocSource, ndjsonStream } from './streams.ts';

/** Lists of any inventory kind at a date, with filters, search, sort, fields and cursor paging; NDJSON dumps. */

function parseKind(raw: string): Kind {
  if (!(KINDS as readonly string[]).includes(raw)) {
    throw notFound(
      'unknown_kind',
      `There is no inventory kind ${JSON.stringify(raw)}; use one of ${KINDS.join(', ')}.`,
    );
  }
  return raw as Kind;
}

export const ListQuery = z.object({
  date: DateParam.optional(),
  cluster: commaList('Clusters to read; default: every cluster the caller may see', 'eu,us'),
  node: commaList('Node names'),
  status: commaList('Statuses, e.g. running,stopped'),
  type: commaList('Types: qemu, lxc for instances; the storage type for storages; vm, ct, host for backups'),
  tag: commaList('Tags (instances)'),
  pool: commaList('Pools (instances)'),
  name: z.string().optional().openapi({ description: 'Name contains this (case-insensitive); `*` is a wildcard' }),
  q: z
    .string()
    .optional()
    .openapi({ description: 'Search language, e.g. `name:web status:running tag:prod`', example: 'status:running' }),
  sort: z
    .string()
    .optional()
    .openapi({ description: 'Field to sort on (per kind; default vmid, node, storage, volid...)' }),
  order: z.string().optional().openapi({ description: 'asc (default) or desc' }),
  fields: commaList('Return only these fields', 'vmid,name,status,node'),
  limit: z.string().optional().openapi({ description: '1-5000, default 100' }),
  cursor: z.string().optional().openapi({ description: 'nextCursor of the previous page (same query)' }),
});

export const ListPageSchema = z
  .object({ date: z.number(), items: z.array(DocSchema), total: z.number(), nextCursor: z.string().nullable() })
  .openapi('InventoryPage');

export const inventoryRoutes = [
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/inventory/{kind}/dump',
      tags: ['inventory'],
      summary: 'Every document of a kind at a date as NDJSON, streamed in constant memory',
      request: {
        params: z.object({ kind: KindParam }),
        query: z.object({ date: DateParam.optional(), cluster: commaList('Clusters; default all the caller may see') }),
      },
      responses: {
        200: { description: 'One JSON document per line', content: { 'application/x-ndjson': { schema: z.string() } } },
      },
    }),
    handler: async (c) => {
      const kind = parseKind(c.req.valid('param').kind);
      const q = c.req.valid('query');
      const dateRef = parseDateRef(q.date);
      const requested = parseClusterList(q.cluster);
      const { index } = dataServices(c);
      const snapshot = await index.resolve(dateRef);
      const visible = await visibleSet(c);
      const clusters = clustersToRead(snapshot, visible, requested.length ? requested : undefined);
      const db = c.get('services').db;
      const date = snapshot.date;
      const all = visible === null && requested.length === 0;
      // One cursor over the whole date when every cluster is wanted, else one per cluster; never an array.
      const filters = all ? [{ date }] : clusters.map((cluster) => ({ date, cluster }));
      const sources = filters.map(
        (f) => (): DocSource =>
          inventory(db, kind as InventoryName)
            .find(f as never, { projection: { run: 0 } })
            .batchSize(1000) as unknown as DocSource,
      );
      return raw(
        new Response(ndjsonStream(sources), {
          headers: {
            'content-type': 'application/x-ndjson; charset=utf-8',
            'content-disposition': `attachment; filename="strata-${kind}-${date}.ndjson"`,
            'x-strata-date': String(date),
          },
        }),
      );
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/inventory/{kind}',
      tags: ['inventory'],
      summary: 'A page of documents of a kind at a date, filtered, searched and sorted',
      request: { params: z.object({ kind: KindParam }), query: ListQuery },
      responses: { 200: jsonContent(ListPageSchema, 'A page; pass nextCursor as cursor for the next one') },
    }),
    handler: async (c) => {
      const kind = parseKind(c.req.valid('param').kind);
      return c.json(await runListQuery(c, kind, c.req.valid('query'), { defLimit: 100, maxLimit: 5000 }), 200);
    },
  }),
];
