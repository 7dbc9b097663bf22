import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import { declaredRoutes, declareRoute } from '../api/routing.ts';

/**
 * Serves the built console (web/dist) from the API process:
 * - hashed files under /assets/ are cached for a year (their names change with their content);
 * - everything else (index.html, favicon) is revalidated every time (ETag);
 * - any other GET path outside /api is a client-side route and gets index.html;
 * - /api/* is never answered here, so unknown API paths keep their JSON 404;
 * - with no build, a 503 page says to run `npm run build`.
 * The console's files hold no data, so they are public; the data behind them needs a session.
 */

export const DEFAULT_DIST = fileURLToPath(new URL('./dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

interface Cached {
  mtimeMs: number;
  size: number;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strata console not built</title></head>
<body><h1>The Strata console is not built</h1>
<p>The API is running, but the web console's files are missing. Run <code>npm run build</code> and reload this page.</p>
</body></html>`;

export interface ConsoleOptions {
  /** Folder of the built console (default web/dist next to this file). */
  dir?: string;
}

export function consoleHandler(opts: ConsoleOptions = {}) {
  const root = path.resolve(opts.dir ?? DEFAULT_DIST);
  const cache = new Map<string, Cached>();

  async function load(file: string): Promise<Cached | null> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(file);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    const body = await readFile(file);
    const type = TYPES[path.extname(file).toLowerCase()] ?? '';
    const compressible = body.length > 1024 && /^(text\/|application\/json|image\/svg)/.test(type);
    const entry: Cached = {
      mtimeMs: st.mtimeMs,
      size: st.size,
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : null,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    };
    cache.set(file, entry);
    return entry;
  }

  function send(c: Context, file: string, entry: Cached, cacheControl: string): Response {
    const headers = new Headers({
      'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': cacheControl,
      ETag: entry.etag,
      'X-Content-Type-Options': 'nosniff',
    });
    if (entry.gzip) headers.set('Vary', 'Accept-Encoding');
    const inm = c.req.header('if-none-match');
    if (inm?.split(',').some((t) => t.trim() === entry.etag)) return new Response(null, { status: 304, headers });
    const useGzip = entry.gzip !== null && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    const body = useGzip ? entry.gzip! : entry.body;
    if (useGzip) headers.set('Content-Encoding', 'gzip');
    headers.set('Content-Length', String(body.length));
    return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  }

  return async (c: Context): Promise<Response> => {
    const urlPath = c.req.path;
    if (urlPath === '/api' || urlPath.startsWith('/api/')) return c.notFound();
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return c.text('Bad path', 400);
    }
    const index = path.join(root, 'index.html');
    if (decoded !== '/' && !decoded.includes('\0')) {
      const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
      if (file.startsWith(root + path.sep)) {
        const entry = await load(file);
        if (entry) {
          const hashed = decoded.startsWith('/assets/');
          return send(c, file, entry, hashed ? IMMUTABLE : REVALIDATE);
        }
      }
      // A missing file (it has an extension, or is under /assets/) is a 404, not the app.
      if (decoded.startsWith('/assets/') || /\.[A-Za-z0-9]{1,8}$/.test(decoded)) {
        return c.text('Not found', 404, { 'Cache-Control': 'no-store' });
      }
    }
    const entry = await load(index);
    if (!entry) return c.html(NOT_BUILT, 503, { 'Cache-Control': 'no-store', 'Retry-After': '30' });
    return send(c, index, entry, REVALIDATE);
  };
}

/**
 * Mounts the console on an app: call it after every API route is registered (the catch-all GET must come
 * last). The route is declared public for the route walk, like the OpenAPI document.
 */
// biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env
export function serveConsole(app: Hono<any, any, any>, opts: ConsoleOptions = {}): void {
  // Mounting twice (createApp and a test) would only add a dead route; keep the first.
  if (declaredRoutes(app).some((r) => r.honoPath === '/*' && r.method === 'GET')) return;
  const handler = consoleHandler(opts);
  app.get('/*', (c) => handler(c));
  declareRoute(app, {
    method: 'GET',
    path: '/{console}',
    honoPath: '/*',
    privilege: 'public',
    scoped: false,
    acrossClusters: false,
  });
}
