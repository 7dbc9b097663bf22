import { createRoute, z } from '@hono/zod-openapi';
import { audit } from '../audit.ts';
import { CLUSTER_GROUP } from '../auth/roles.ts';
import { createToken, listTokens, revokeToken, type TokenInfo } from '../auth/tokens.ts';
import { clientAddress } from '../client-address.ts';
import { type AppContext, principalOf } from '../context.ts';
import { notFound } from '../errors.ts';
import { defineRoute } from '../routing.ts';
import { errorResponse, RoleSchema } from '../schemas.ts';

const DAY = 86_400_000;

const Token = z
  .object({
    id: z.string(),
    name: z.string(),
    role: RoleSchema,
    group: z.string().nullable().openapi({ description: 'Cluster group the role applies to; null: every cluster.' }),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    status: z.enum(['active', 'expired', 'revoked']),
  })
  .openapi('ApiToken');

const CreateToken = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: 'nightly-report' }),
    role: RoleSchema,
    group: z.string().regex(CLUSTER_GROUP).nullable().default(null),
    expiresInDays: z.number().int().min(1).max(730).default(90),
  })
  .openapi('CreateTokenRequest');

const TokenId = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'must be a token id (16 hex digits)') });

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toJson = (t: TokenInfo) => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt.toISOString(),
  revokedAt: iso(t.revokedAt),
  lastUsedAt: iso(t.lastUsedAt),
});

const auditBase = (c: AppContext) => ({
  actor: principalOf(c).actor,
  address: clientAddress(c),
  requestId: c.get('requestId'),
});

/** API tokens for scripts: Admin only (global). The secret is in the creation response and nowhere else. */
export const tokenRoutes = [
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'post',
      path: '/api/v1/tokens',
      tags: ['tokens'],
      summary: 'Create an API token (the secret is shown once)',
      request: { body: { required: true, content: { 'application/json': { schema: CreateToken } } } },
      responses: {
        201: {
          description: 'Created. Send the secret as `Authorization: Bearer <secret>`; it cannot be shown again.',
          content: { 'application/json': { schema: z.object({ token: Token, secret: z.string() }) } },
        },
      },
    }),
    handler: async (c) => {
      const body = c.req.valid('json');
      const s = c.get('services');
      const now = s.now();
      const { token, secret } = await createToken(
        s.db,
        {
          name: body.name,
          role: body.role,
          group: body.group,
          expiresAt: new Date(now + body.expiresInDays * DAY),
          createdBy: principalOf(c).actor,
        },
        now,
      );
      await audit(s.db, {
        ...auditBase(c),
        action: 'token.create',
        target: token.id,
        outcome: 'success',
        details: { name: token.name, role: token.role, group: token.group, expiresAt: token.expiresAt },
      });
      return c.json({ token: toJson(token), secret }, 201);
    },
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'get',
      path: '/api/v1/tokens',
      tags: ['tokens'],
      summary: 'List API tokens (never their secrets)',
      responses: {
        200: {
          description: 'Tokens, newest first',
          content: { 'application/json': { schema: z.object({ items: z.array(Token) }) } },
        },
      },
    }),
    handler: async (c) => {
      const s = c.get('services');
      return c.json({ items: (await listTokens(s.db, s.now())).map(toJson) }, 200);
    },
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'delete',
      path: '/api/v1/tokens/{id}',
      tags: ['tokens'],
      summary: 'Revoke an API token',
      request: { params: TokenId },
      responses: {
        200: {
          description: 'Revoked (the record stays for the audit trail)',
          content: { 'application/json': { schema: Token } },
        },
        404: errorResponse('No such token.'),
      },
    }),
    handler: async (c) => {
      const { id } = c.req.valid('param');
      const s = c.get('services');
      const token = await revokeToken(s.db, id, principalOf(c).actor, s.now());
      if (!token) throw notFound(`There is no API token ${id}.`);
      await audit(s.db, {
        ...auditBase(c),
        action: 'token.revoke',
        target: id,
        outcome: 'success',
        details: { name: token.name },
      });
      return c.json(toJson(token), 200);
    },
  }),
];
