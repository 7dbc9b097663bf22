import { createRoute, z } from '@hono/zod-openapi';
import { readAudit } from '../audit.ts';
import { defineRoute } from '../routing.ts';

const Query = z.object({
  actor: z.string().min(1).max(300).optional().openapi({ example: 'ldap:admin' }),
  action: z.string().min(1).max(100).optional().openapi({ example: 'auth.login' }),
  outcome: z.enum(['success', 'failure', 'denied', 'error']).optional(),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: 'ISO 8601; records at or after.' }),
  until: z.iso.datetime({ offset: true }).optional().openapi({ description: 'ISO 8601; records before.' }),
  cursor: z
    .string()
    .regex(/^[0-9a-f]{24}$/, 'must be the nextCursor of a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const AuditRecordSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    outcome: z.enum(['success', 'failure', 'denied', 'error']),
    address: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string().optional(),
  })
  .openapi('AuditRecord');

export const auditRoutes = [
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'get',
      path: '/api/v1/audit',
      tags: ['audit'],
      summary: 'Read the audit log, newest first, with filters and cursor paging',
      request: { query: Query },
      responses: {
        200: {
          description: 'A page of records; pass nextCursor as cursor for the next page',
          content: {
            'application/json': {
              schema: z.object({ items: z.array(AuditRecordSchema), nextCursor: z.string().nullable() }),
            },
          },
        },
      },
    }),
    handler: async (c) => {
      const q = c.req.valid('query');
      const page = await readAudit(c.get('services').db, {
        ...q,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
      });
      return c.json(
        {
          items: page.items.map(({ _id, at, ...rest }) => ({ id: _id.toHexString(), at: at.toISOString(), ...rest })),
          nextCursor: page.nextCursor,
        },
        200,
      );
    },
  }),
];
