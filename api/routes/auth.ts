import { createRoute, z } from '@hono/zod-openapi';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { audit } from '../audit.ts';
import { login } from '../auth/login.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import { clientAddress } from '../client-address.ts';
import { type AppContext, principalOf } from '../context.ts';
import { badRequest } from '../errors.ts';
import { defineRoute } from '../routing.ts';
import { errorResponse, GrantSchema } from '../schemas.ts';

const LoginBody = z
  .object({
    username: z
      .string()
      .min(1)
      .max(256)
      // Control characters are no one's login name (and NUL cannot even be stored by FerretDB/PostgreSQL).
      .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
      .openapi({ example: 'auditor' }),
    password: z.string().max(1024).openapi({ format: 'password' }),
  })
  .openapi('LoginRequest');

const Me = z
  .object({
    user: z.string(),
    displayName: z.string().nullable(),
    kind: z.enum(['session', 'token']),
    source: z.enum(['ldap', 'local', 'token']),
    roles: z.array(GrantSchema),
    csrfToken: z.string().nullable().openapi({
      description: 'Send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE made with the session cookie.',
    }),
  })
  .openapi('Me');

const isHttps = (c: AppContext) => new URL(c.req.url).protocol === 'https:';

export const authRoutes = [
  defineRoute({
    privilege: 'public',
    route: createRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      tags: ['auth'],
      summary: 'Log in with a directory account (or a break-glass local admin) and get a session cookie',
      request: { body: { required: true, content: { 'application/json': { schema: LoginBody } } } },
      responses: {
        200: {
          description: 'Logged in; the strata_session cookie is set',
          content: { 'application/json': { schema: Me } },
        },
        401: errorResponse('Invalid user name or password.'),
        403: errorResponse('The user has no role in Strata.'),
        429: errorResponse('Too many failed logins; see Retry-After.'),
      },
    }),
    handler: async (c) => {
      const { username, password } = c.req.valid('json');
      const { id, record } = await login(c, username, password);
      // A new login never keeps an old session alive next to the new one.
      const previous = getCookie(c, SESSION_COOKIE);
      if (previous) await c.get('services').sessions.revoke(previous);
      setCookie(c, SESSION_COOKIE, id, { httpOnly: true, sameSite: 'Strict', path: '/', secure: isHttps(c) });
      return c.json(
        {
          user: record.user,
          displayName: record.displayName,
          kind: 'session' as const,
          source: record.source,
          roles: record.grants,
          csrfToken: record.csrf,
        },
        200,
      );
    },
  }),
  defineRoute({
    privilege: 'authenticated',
    route: createRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      tags: ['auth'],
      summary: 'End the current session',
      responses: {
        204: { description: 'Logged out' },
        400: errorResponse('The caller is not a browser session (an API token).'),
      },
    }),
    handler: async (c) => {
      const p = principalOf(c);
      if (p.kind !== 'session' || !p.sessionKey) {
        throw badRequest(
          'Logout ends a browser session; API tokens are revoked under /api/v1/tokens.',
          'not_a_session',
        );
      }
      const s = c.get('services');
      await s.sessions.revokeKey(p.sessionKey);
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
      await audit(s.db, {
        actor: p.actor,
        action: 'auth.logout',
        target: null,
        outcome: 'success',
        address: clientAddress(c),
        requestId: c.get('requestId'),
      });
      return c.body(null, 204);
    },
  }),
  defineRoute({
    privilege: 'authenticated',
    route: createRoute({
      method: 'get',
      path: '/api/v1/auth/me',
      tags: ['auth'],
      summary: 'Who is calling, with which roles (and the CSRF token of a session)',
      responses: { 200: { description: 'The caller', content: { 'application/json': { schema: Me } } } },
    }),
    handler: (c) => {
      const p = principalOf(c);
      return c.json(
        {
          user: p.name,
          displayName: p.displayName,
          kind: p.kind,
          source: p.source,
          roles: p.grants,
          csrfToken: p.csrf ?? null,
        },
        200,
      );
    },
  }),
];
