import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { declaredRoutes } from '../../api/routing.ts';
import { serveConsole } from '../../web/serve.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-web-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, 'dist', 'assets'), { recursive: true });
const dist = path.join(dir, 'dist');
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head></html>';
writeFileSync(path.join(dist, 'index.html'), INDEX);
writeFileSync(path.join(dist, 'assets', 'app-abc123.js'), `console.log(${JSON.stringify('x'.repeat(5000))});`);
writeFileSync(path.join(dist, 'assets', 'app-abc123.css'), 'body{color:red}');
writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
writeFileSync(path.join(dir, 'secret.txt'), 'outside the build');

function app(distDir: string) {
  const a = new Hono();
  a.get('/api/v1/ping', (c) => c.json({ ok: true }));
  a.notFound((c) => c.json({ error: { code: 'not_found', message: 'no route' } }, 404));
  serveConsole(a, { dir: distDir });
  return a;
}

describe('serving the console', () => {
  const a = app(dist);

  it('serves hashed assets with their type and a year of caching', async () => {
    const js = await a.request('/assets/app-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await a.request('/assets/app-abc123.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const svg = await a.request('/favicon.svg');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers index.html for client-side routes, revalidated every time', async () => {
    for (const p of ['/', '/guests', '/guests/abc:123', '/admin/clusters?x=1']) {
      const r = await a.request(p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.headers.get('cache-control')).toBe('no-cache');
      expect(await r.text()).toBe(INDEX);
    }
  });

  it('leaves /api alone: real routes answer, unknown ones keep the JSON 404', async () => {
    expect(await (await a.request('/api/v1/ping')).json()).toEqual({ ok: true });
    const r = await a.request('/api/v1/nope');
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: { code: 'not_found', message: 'no route' } });
  });

  it('gives 404 for a missing file instead of the app', async () => {
    expect((await a.request('/assets/gone-123.js')).status).toBe(404);
    expect((await a.request('/robots.txt')).status).toBe(404);
  });

  it('never serves a file outside the build', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const r = await a.request(p);
      expect(await r.text(), p).not.toContain('outside the build');
    }
  });

  it('compresses text for clients that accept gzip and honours ETags', async () => {
    const r = await a.request('/assets/app-abc123.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(r.headers.get('content-encoding')).toBe('gzip');
    expect(Number(r.headers.get('content-length'))).toBeLessThan(1000);
    const etag = r.headers.get('etag')!;
    const again = await a.request('/', { headers: { 'if-none-match': (await a.request('/')).headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(etag).toMatch(/^".+"$/);
  });

  it('declares the console route as public for the route walk', () => {
    expect(declaredRoutes(a)).toContainEqual(
      expect.objectContaining({ method: 'GET', honoPath: '/*', privilege: 'public' }),
    );
  });

  it('answers 503 with "run npm run build" when there is no build', async () => {
    const r = await app(path.join(dir, 'missing')).request('/guests');
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('npm run build');
  });
});
