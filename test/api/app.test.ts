import { createRoute, z } from '@hono/zod-openapi';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { conflict } from '../../api/errors.ts';
import { routeModules } from '../../api/routes/index.ts';
import { defineRoute } from '../../api/routing.ts';
import { bearer, closedPort, harness, json, ldapOptions } from './harness.ts';

const h = await harness();
const app = h.build();
const deadClients: MongoClient[] = [];
afterAll(() => Promise.all(deadClients.map((c) => c.close())));

/** Routes that fail on purpose, to see how failures are answered. */
const failing = [
  defineRoute({
    privilege: 'public',
    route: createRoute({
      method: 'get',
      path: '/test/boom',
      responses: { 200: { description: 'never' } },
    }),
    handler: () => {
      throw new Error('connection string mongodb://user:hunter2@db/x exploded');
    },
  }),
  defineRoute({
    privilege: 'public',
    route: createRoute({ method: 'post', path: '/test/conflict', responses: { 200: { description: 'never' } } }),
    handler: () => {
      throw conflict('That name is taken.');
    },
  }),
  defineRoute({
    privilege: 'public',
    route: createRoute({
      method: 'post',
      path: '/test/duplicate',
      responses: { 200: { description: 'never' } },
    }),
    handler: async (c) => {
      const col = c.get('services').db.collection('dup_probe');
      await col.createIndex({ k: 1 }, { unique: true });
      await col.insertOne({ k: 'x' });
      await col.insertOne({ k: 'x' });
      return c.body(null, 200);
    },
  }),
  defineRoute({
    privilege: 'public',
    route: createRoute({
      method: 'get',
      path: '/test/echo/{n}',
      request: { params: z.object({ n: z.coerce.number().int().min(1) }) },
      responses: {
        200: { description: 'n', content: { 'application/json': { schema: z.object({ n: z.number() }) } } },
      },
    }),
    handler: (c) => c.json({ n: c.req.valid('param').n }, 200),
  }),
];

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('the app', () => {
  it('answers liveness with no details and readiness with both checks', async () => {
    const live = await app.request('/healthz');
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mongodb: 'ok', redis: 'ok' } });
  });

  it('readiness names Redis when Redis is down, and MongoDB when MongoDB is down', async () => {
    const port = await closedPort();
    const deadRedis = new Redis(`redis://127.0.0.1:${port}`, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => {});
    const res = await h.build({ redis: deadRedis }).request('/readyz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string }; checks: object };
    expect(body.checks).toEqual({ mongodb: 'ok', redis: 'down' });
    expect(body.error).toEqual({ code: 'not_ready', message: 'Not ready: Redis is unreachable.' });
    deadRedis.disconnect();

    const deadMongo = new MongoClient(`mongodb://127.0.0.1:${port}`, { serverSelectionTimeoutMS: 300 });
    deadClients.push(deadMongo);
    const res2 = await h.build({ db: deadMongo.db('x') }).request('/readyz');
    expect(res2.status).toBe(503);
    expect(((await res2.json()) as { checks: object }).checks).toEqual({ mongodb: 'down', redis: 'ok' });
  });

  it('answers 503 naming Redis when a login needs Redis and it is down', async () => {
    const deadRedis = new Redis(`redis://127.0.0.1:${await closedPort()}`, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => {});
    const res = await h
      .build({ redis: deadRedis })
      .request('/api/v1/auth/login', json('POST', { username: 'x', password: 'y' }));
    expect(res.status).toBe(503);
    expect(await errorOf(res)).toEqual({
      code: 'redis_unavailable',
      message: 'Redis is unreachable; try again shortly.',
    });
    deadRedis.disconnect();
  });

  it('answers 503 naming MongoDB when MongoDB is down', async () => {
    const deadMongo = new MongoClient(`mongodb://127.0.0.1:${await closedPort()}`, { serverSelectionTimeoutMS: 300 });
    deadClients.push(deadMongo);
    const res = await h.build({ db: deadMongo.db('x') }).request('/api/v1/tokens', {
      headers: { authorization: 'Bearer strata_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
    });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('database_unavailable');
  });

  it('gives every response a request id, and keeps a well-formed incoming one', async () => {
    const a = await app.request('/healthz');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const b = await app.request('/healthz', { headers: { 'x-request-id': 'proxy-abc-12345' } });
    expect(b.headers.get('x-request-id')).toBe('proxy-abc-12345');
    const c = await app.request('/healthz', { headers: { 'x-request-id': 'bad id\twith tab' } });
    expect(c.headers.get('x-request-id')).not.toContain('bad');
  });

  it('logs one structured line per request with its id, and never a password, cookie or token', async () => {
    const lines: string[] = [];
    // A logger without redaction: the API itself must not hand secrets to the log.
    const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(l) });
    const logged = h.build({ logger, ldap: ldapOptions({ urls: [`ldap://127.0.0.1:${await closedPort()}`] }) });
    const admin = await bearer(h.db, 'admin');
    await logged.request('/api/v1/auth/login', json('POST', { username: 'auditor', password: 'Pw-In-The-Log?' }));
    const res = await logged.request('/api/v1/tokens', {
      headers: { authorization: admin.authorization, cookie: 'strata_session=CookieValue123' },
    });
    expect(res.status).toBe(200);
    const text = lines.join('');
    expect(text).not.toContain('Pw-In-The-Log');
    expect(text).not.toContain(admin.authorization.slice(-43));
    expect(text).not.toContain('CookieValue123');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const tokenLine = entries.find((e) => e.path === '/api/v1/tokens');
    expect(tokenLine).toMatchObject({
      method: 'GET',
      status: 200,
      actor: `token:${admin.id}`,
      reqId: res.headers.get('x-request-id'),
    });
    expect(entries.find((e) => e.path === '/api/v1/auth/login')).toMatchObject({ status: 503 });
  });

  it('sets security headers, without HSTS over plain HTTP', async () => {
    const res = await app.request('/healthz');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const https = await app.request('https://strata.test/healthz');
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await app.request('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toEqual({ code: 'not_found', message: 'There is no GET /api/v1/nope.' });
  });

  it('answers 401 before validating input, and 400 with the field for an authenticated bad request', async () => {
    const anon = await app.request('/api/v1/tokens/not-an-id', { method: 'DELETE' });
    expect(anon.status).toBe(401);
    expect(await errorOf(anon)).toEqual({ code: 'unauthenticated', message: 'Log in or send an API token.' });
    const admin = await bearer(h.db, 'admin');
    const bad = await app.request('/api/v1/tokens/not-an-id', {
      method: 'DELETE',
      headers: { authorization: admin.authorization },
    });
    expect(bad.status).toBe(400);
    const e = await errorOf(bad);
    expect(e.code).toBe('bad_request');
    expect(e.message).toMatch(/^Invalid param\.id: must be a token id/);
    const badBody = await app.request(
      '/api/v1/tokens',
      json('POST', { name: 'x', role: 'root' }, { authorization: admin.authorization }),
    );
    expect(badBody.status).toBe(400);
    expect((await errorOf(badBody)).message).toMatch(/^Invalid body\.role/);
    const notJson = await app.request('/api/v1/tokens', {
      method: 'POST',
      headers: { authorization: admin.authorization, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe('bad_request');
  });

  it('maps conflicts to 409 and hides internal errors behind a 500 that names the request id', async () => {
    const t = h.build({ modules: [...routeModules, failing] });
    const c409 = await t.request('/test/conflict', { method: 'POST' });
    expect(c409.status).toBe(409);
    expect(await errorOf(c409)).toEqual({ code: 'conflict', message: 'That name is taken.' });
    const dup = await t.request('/test/duplicate', { method: 'POST' });
    expect(dup.status).toBe(409);
    const boom = await t.request('/test/boom');
    expect(boom.status).toBe(500);
    const text = await boom.clone().text();
    expect(text).not.toMatch(/hunter2|mongodb:|exploded|at /);
    const e = await errorOf(boom);
    expect(e.code).toBe('internal');
    expect(e.message).toContain(boom.headers.get('x-request-id')!);
    const ok = await t.request('/test/echo/0');
    expect(ok.status).toBe(400);
    expect((await t.request('/test/echo/3')).status).toBe(200);
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const res = await app.request(
      '/api/v1/auth/login',
      json('POST', { username: 'x', password: 'y'.repeat(1_100_000) }),
    );
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
  });

  it('publishes an OpenAPI document generated from the route schemas, naming each privilege', async () => {
    const res = await app.request('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { 'x-strata-privilege': string; security: unknown[]; requestBody?: unknown }>
      >;
      components: { securitySchemes: object; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/v1/tokens/{id}']?.delete?.['x-strata-privilege']).toBe('admin');
    expect(doc.paths['/api/v1/auth/login']?.post?.['x-strata-privilege']).toBe('public');
    expect(doc.paths['/api/v1/auth/login']?.post?.requestBody).toBeTruthy();
    expect(doc.paths['/api/v1/audit']?.get?.security).toEqual([{ session: [] }, { bearer: [] }]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'session']);
    expect(doc.components.schemas.Error).toBeTruthy();
  });
});
