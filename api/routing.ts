import { timingSafeEqual } from 'node:crypto';
import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { audit } from './audit.ts';
import { authenticate } from './auth/authenticate.ts';
import { grantsAllow, grantsAllowSomewhere, type Role } from './auth/roles.ts';
import { clusterGroups } from './auth/scope.ts';
import { clientAddress } from './client-address.ts';
import type { AppContext, AppEnv, Principal } from './context.ts';
import { forbidden } from './errors.ts';
import { errorResponse } from './schemas.ts';

/**
 * What a route needs from its caller: nothing (`public`), a valid session or token (`authenticated`), or a
 * role. Every route of the app declares one; test/api/route-walk.test.ts fails on any that does not.
 */
export type Privilege = 'public' | 'authenticated' | Role;
export const PRIVILEGES: readonly Privilege[] = ['public', 'authenticated', 'audit', 'manage', 'admin'];

export interface RouteSpec<R extends RouteConfig> {
  route: R;
  privilege: Privilege;
  /**
   * The cluster a request concerns, read from the raw request (path parameters are not validated yet):
   * a role granted on a cluster group then counts when the cluster is in that group. Undefined: only a
   * global grant counts.
   */
  scope?: (c: AppContext) => string | undefined;
  /**
   * The route spans clusters and filters what it returns to the clusters the caller may see (see
   * visibleClusters in api/auth/access.ts): a role held on any group lets the caller in.
   */
  acrossClusters?: boolean;
  handler: RouteHandler<R, AppEnv>;
}

export interface RouteDef {
  route: RouteConfig;
  privilege: Privilege;
  scope?: ((c: AppContext) => string | undefined) | undefined;
  acrossClusters?: boolean | undefined;
  handler: unknown;
}

/** A route module is a list of route definitions; api/routes/index.ts lists the modules of the app. */
export type RouteModule = readonly RouteDef[];

/** Declares a route with the privilege it needs; the handler is typed from the route's schemas. */
export function defineRoute<R extends RouteConfig>(spec: RouteSpec<R>): RouteDef {
  return spec as RouteDef;
}

/** The scope of routes addressing a cluster by a path parameter (default `cluster`). */
export const clusterParam =
  (name = 'cluster') =>
  (c: AppContext) =>
    c.req.param(name) || undefined;

export interface DeclaredRoute {
  method: string;
  /** OpenAPI form: /api/v1/tokens/{id} */
  path: string;
  /** Hono form: /api/v1/tokens/:id */
  honoPath: string;
  privilege: Privilege;
  scoped: boolean;
  acrossClusters: boolean;
}

const declared = new WeakMap<object, DeclaredRoute[]>();

/** Every route registered on this app with the privilege it declared (read by the route-walk test). */
export function declaredRoutes(app: object): readonly DeclaredRoute[] {
  return declared.get(app) ?? [];
}

export function declareRoute(app: object, route: DeclaredRoute): void {
  const list = declared.get(app) ?? [];
  list.push(route);
  declared.set(app, list);
}

const toHonoPath = (p: string) => p.replaceAll(/\/{(.+?)}/g, '/:$1');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function describeNeed(def: RouteDef, cluster: string | undefined): string {
  if (cluster !== undefined) return `This needs the ${def.privilege} role on cluster ${cluster}.`;
  if (def.acrossClusters) return `This needs the ${def.privilege} role.`;
  return `This needs the ${def.privilege} role on every cluster (a global grant).`;
}

async function checkPrivilege(c: AppContext, principal: Principal, def: RouteDef): Promise<void> {
  if (def.privilege === 'public' || def.privilege === 'authenticated') return;
  const needed = def.privilege;
  const cluster = def.scope?.(c);
  const db = c.get('services').db;
  const allowed =
    cluster !== undefined
      ? grantsAllow(principal.grants, needed, await clusterGroups(db, cluster))
      : def.acrossClusters
        ? grantsAllowSomewhere(principal.grants, needed)
        : grantsAllow(principal.grants, needed, null);
  if (allowed) return;
  if (!SAFE_METHODS.has(c.req.method)) {
    await audit(db, {
      actor: principal.actor,
      action: 'auth.denied',
      target: cluster ?? null,
      outcome: 'denied',
      address: clientAddress(c),
      details: { method: c.req.method, path: c.req.path, needed },
      requestId: c.get('requestId'),
    });
  }
  throw forbidden(describeNeed(def, cluster));
}

function checkCsrf(c: AppContext, principal: Principal): void {
  if (principal.kind !== 'session' || SAFE_METHODS.has(c.req.method)) return;
  const sent = c.req.header('x-csrf-token') ?? '';
  const expected = principal.csrf ?? '';
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  if (!expected || a.length !== b.length || !timingSafeEqual(a, b)) {
    throw forbidden('This request needs the X-CSRF-Token header (from GET /api/v1/auth/me).', 'csrf_failed');
  }
}

/** Runs before validation, so an anonymous caller gets 401, not 400, for a malformed request. */
function authorize(def: RouteDef): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (def.privilege !== 'public') {
      const principal = await authenticate(c);
      c.set('principal', principal);
      checkCsrf(c, principal);
      await checkPrivilege(c, principal, def);
    }
    await next();
  };
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Registers route definitions on the app: authorization first, then validation, then the handler. */
export function registerRoutes(app: OpenAPIHono<AppEnv>, defs: RouteModule): void {
  for (const def of defs) {
    const r = def.route;
    if (!PRIVILEGES.includes(def.privilege)) {
      throw new Error(
        `Route ${r.method.toUpperCase()} ${r.path} declares no valid privilege (${String(def.privilege)}).`,
      );
    }
    const open = def.privilege === 'public';
    const hasInput = Boolean(r.request?.params || r.request?.query || r.request?.body || r.request?.headers);
    const config = {
      ...r,
      middleware: [authorize(def), ...asArray(r.middleware as MiddlewareHandler | MiddlewareHandler[] | undefined)],
      security: open ? [] : [{ session: [] }, { bearer: [] }],
      description: [
        r.description,
        open ? 'Public.' : `Requires: ${def.privilege}${def.scope ? ' (on the cluster)' : ''}.`,
      ]
        .filter(Boolean)
        .join('\n\n'),
      'x-strata-privilege': def.privilege,
      responses: {
        ...(hasInput ? { 400: errorResponse('Invalid input.') } : {}),
        ...(open ? {} : { 401: errorResponse('Not authenticated.'), 403: errorResponse('Not allowed.') }),
        // What a request names (a date, cluster, guest, task...) may not exist; a change may collide.
        ...(hasInput ? { 404: errorResponse('Not found.') } : {}),
        ...(r.method !== 'get' ? { 409: errorResponse('Conflicts with the current state.') } : {}),
        ...(r.request?.body ? { 413: errorResponse('The request body is larger than 1 MiB.') } : {}),
        503: errorResponse('A dependency (MongoDB, Redis, LDAP) is unreachable.'),
        ...r.responses,
      },
    } as RouteConfig;
    app.openapi(config, def.handler as never);
    declareRoute(app, {
      method: r.method.toUpperCase(),
      path: r.path,
      honoPath: toHonoPath(r.path),
      privilege: def.privilege,
      scoped: Boolean(def.scope),
      acrossClusters: Boolean(def.acrossClusters),
    });
  }
}
