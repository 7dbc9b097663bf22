import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import type { StrataApp } from '../../api/app.ts';
import { visibleClusters } from '../../api/auth/access.ts';
import { invalidateClusterGroups } from '../../api/auth/scope.ts';
import { principalOf } from '../../api/context.ts';
import { routeModules } from '../../api/routes/index.ts';
import { clusterParam, type DeclaredRoute, declaredRoutes, defineRoute, type RouteDef } from '../../api/routing.ts';
import { bearer, harness } from './harness.ts';

const h = await harness();

/** Every method and path the app routes (Hono's own table), minus app-wide middleware. */
function undeclaredRoutes(app: StrataApp): string[] {
  const declared = new Set(declaredRoutes(app).map((r) => `${r.method} ${r.honoPath}`));
  const routed = new Set(
    app.routes.filter((r) => !(r.method === 'ALL' && r.path === '/*')).map((r) => `${r.method} ${r.path}`),
  );
  return [...routed].filter((r) => !declared.has(r)).sort();
}

describe('route walk', () => {
  it('finds a declared privilege for every route of the app', () => {
    const app = h.build();
    const routes = declaredRoutes(app);
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(undeclaredRoutes(app)).toEqual([]);
    for (const r of routes) expect(['public', 'authenticated', 'audit', 'manage', 'admin']).toContain(r.privilege);
    // Only these may be reached without logging in.
    expect(
      routes
        .filter((r) => r.privilege === 'public')
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(['GET /api/v1/openapi.json', 'GET /healthz', 'GET /readyz', 'GET /{console}', 'POST /api/v1/auth/login']);
  });

  it("notices a route added behind the registry's back", () => {
    const app = h.build();
    app.get('/sneaky', (c) => c.text('no privilege declared'));
    app.post('/api/v1/other', (c) => c.text('nor here'));
    expect(undeclaredRoutes(app)).toEqual(['GET /sneaky', 'POST /api/v1/other']);
  });

  it('refuses at start a route definition without a privilege', () => {
    const bad = {
      route: createRoute({ method: 'get', path: '/x', responses: { 200: { description: 'x' } } }),
      handler: () => null,
    };
    expect(() => h.build({ modules: [[bad as unknown as RouteDef]] })).toThrow(/GET \/x declares no valid privilege/);
  });
});

/** Routes scoped to a cluster, and one spanning clusters, as the data API will have. */
const scopedProbe = [
  defineRoute({
    privilege: 'audit',
    scope: clusterParam(),
    route: createRoute({
      method: 'get',
      path: '/api/v1/probe/clusters/{cluster}',
      request: { params: z.object({ cluster: z.string() }) },
      responses: { 200: { description: 'ok' } },
    }),
    handler: (c) => c.body(null, 200),
  }),
  defineRoute({
    privilege: 'manage',
    scope: clusterParam(),
    route: createRoute({
      method: 'post',
      path: '/api/v1/probe/clusters/{cluster}/start',
      request: { params: z.object({ cluster: z.string() }) },
      responses: { 200: { description: 'ok' } },
    }),
    handler: (c) => c.body(null, 200),
  }),
  defineRoute({
    privilege: 'admin',
    scope: clusterParam(),
    route: createRoute({
      method: 'delete',
      path: '/api/v1/probe/clusters/{cluster}',
      request: { params: z.object({ cluster: z.string() }) },
      responses: { 200: { description: 'ok' } },
    }),
    handler: (c) => c.body(null, 200),
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/probe/estate',
      responses: {
        200: {
          description: 'visible',
          content: { 'application/json': { schema: z.object({ clusters: z.array(z.string()) }) } },
        },
      },
    }),
    handler: async (c) => {
      const v = await visibleClusters(c.get('services').db, principalOf(c), 'audit');
      return c.json({ clusters: v === 'all' ? ['*'] : [...v].sort() }, 200);
    },
  }),
];

const RANK = { audit: 1, manage: 2, admin: 3 } as const;
type Caller = { name: string; headers: Record<string, string>; role: keyof typeof RANK | null; group: string | null };

/** What a caller should get from a route: allowed (anything but 401/403), 401 or 403. */
function expected(route: DeclaredRoute, caller: Caller): 'allowed' | 401 | 403 {
  if (route.privilege === 'public') return 'allowed';
  if (!caller.role) return 401;
  if (route.privilege === 'authenticated') return 'allowed';
  if (RANK[caller.role] < RANK[route.privilege]) return 403;
  if (caller.group === null) return 'allowed';
  if (route.scoped) return caller.group === 'mx-group' ? 'allowed' : 403;
  return route.acrossClusters ? 'allowed' : 403;
}

describe('authorisation matrix', async () => {
  await h.db.collection('clusters_registry').insertMany([
    { name: 'mx-cluster', groups: ['mx-group', 'eu'] },
    { name: 'other-cluster', groups: ['other-group'] },
  ]);
  invalidateClusterGroups(h.db);
  const app = h.build({ modules: [...routeModules, scopedProbe] });
  const callers: Caller[] = [
    { name: 'anonymous', headers: {}, role: null, group: null },
    {
      name: 'audit',
      headers: { authorization: (await bearer(h.db, 'audit')).authorization },
      role: 'audit',
      group: null,
    },
    {
      name: 'manage',
      headers: { authorization: (await bearer(h.db, 'manage')).authorization },
      role: 'manage',
      group: null,
    },
    {
      name: 'admin',
      headers: { authorization: (await bearer(h.db, 'admin')).authorization },
      role: 'admin',
      group: null,
    },
    {
      name: 'admin of the cluster group',
      headers: { authorization: (await bearer(h.db, 'admin', 'mx-group')).authorization },
      role: 'admin',
      group: 'mx-group',
    },
    {
      name: 'audit of the cluster group',
      headers: { authorization: (await bearer(h.db, 'audit', 'mx-group')).authorization },
      role: 'audit',
      group: 'mx-group',
    },
    {
      name: 'admin of another group (wrong scope)',
      headers: { authorization: (await bearer(h.db, 'admin', 'other-group')).authorization },
      role: 'admin',
      group: 'other-group',
    },
  ];
  const routes = declaredRoutes(app);
  const cases = routes.flatMap((route) =>
    callers.map((caller) => ({ route, caller, label: `${route.method} ${route.path} as ${caller.name}` })),
  );

  it('covers every route of the production app and the scoped probes', () => {
    const covered = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const r of declaredRoutes(h.build())) expect(covered).toContain(`${r.method} ${r.path}`);
    expect(routes.filter((r) => r.scoped && r.path.startsWith('/api/v1/probe/'))).toHaveLength(3);
  });

  it.each(cases)('$label', async ({ route, caller }) => {
    const path = route.path.replaceAll('{cluster}', 'mx-cluster').replaceAll(/\{[^}]+\}/g, 'x');
    const init: RequestInit = { method: route.method, headers: { ...caller.headers } };
    if (!['GET', 'HEAD', 'DELETE'].includes(route.method)) {
      init.body = '{}';
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await app.request(path, init);
    const want = expected(route, caller);
    if (want === 'allowed') expect([401, 403], `${res.status} ${await res.clone().text()}`).not.toContain(res.status);
    else expect(res.status, await res.clone().text()).toBe(want);
  });

  it("lets a route spanning clusters see only the clusters of the caller's groups", async () => {
    const get = async (c: Caller) =>
      ((await (await app.request('/api/v1/probe/estate', { headers: c.headers })).json()) as { clusters: string[] })
        .clusters;
    expect(await get(callers[1]!)).toEqual(['*']);
    expect(await get(callers[5]!)).toEqual(['mx-cluster']);
    expect(await get(callers[6]!)).toEqual(['other-cluster']);
  });

  it('treats a cluster the registry does not know as in no group', async () => {
    const res = await app.request('/api/v1/probe/clusters/unknown-cluster', { headers: callers[4]!.headers });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'This needs the audit role on cluster unknown-cluster.',
    );
    expect((await app.request('/api/v1/probe/clusters/unknown-cluster', { headers: callers[1]!.headers })).status).toBe(
      200,
    );
  });
});
