import { createRoute, z } from '@hono/zod-openapi';
import { defineRoute } from '../../routing.ts';
import { ListPageSchema } from './inventory-routes.ts';
import { runListQuery } from './list-query.ts';
import { commaList, DateParam, jsonContent } from './schemas.ts';

/** Search across clusters with the search language (after PDM's), on any date. */
export const searchRoutes = [
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/search',
      tags: ['inventory'],
      summary:
        'Search guests across clusters: `name:web status:running tag:prod cluster:eu`, free text matches name, vmid, MAC, IP',
      request: {
        query: z.object({
          q: z.string().optional().openapi({ example: 'name:web status:running tag:prod' }),
          date: DateParam.optional(),
          cluster: commaList('Clusters; default all the caller may see'),
          sort: z.string().optional(),
          order: z.string().optional(),
          fields: commaList('Return only these fields'),
          limit: z.string().optional().openapi({ description: '1-1000, default 50' }),
          cursor: z.string().optional(),
        }),
      },
      responses: { 200: jsonContent(ListPageSchema, 'Matching guests') },
    }),
    handler: async (c) =>
      c.json(await runListQuery(c, 'instances', c.req.valid('query'), { defLimit: 50, maxLimit: 1000 }), 200),
  }),
];
