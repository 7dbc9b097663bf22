import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { gzipSync } from 'node:zlib';
import { Semaphore } from '../../../shared/semaphore.ts';
import { authenticatePbs, authenticatePve, type Principal } from '../auth.ts';
import type { EndpointCore, RouteCtx } from '../runtime.ts';
import { AuthError, HttpError } from './errors.ts';
import { validatePveParams } from './params.ts';

const PREFIX = '/api2/json';
const MAX_BODY = 64 * 1024;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One HTTPS listener with its own certificate; can refuse connections (unreachable) and swap its certificate. */
export class Listener {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  unreachable = false;
  port = 0;

  constructor(cert: { certPem: string; keyPem: string }, handler: (req: IncomingMessage, res: ServerResponse) => void) {
    this.server = createServer({ key: cert.keyPem, cert: cert.certPem, keepAlive: true }, handler);
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (socket: Socket) => {
      if (this.unreachable) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('tlsClientError', () => {});
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : 0;
        resolve(this.port);
      });
    });
  }

  setUnreachable(value: boolean): void {
    this.unreachable = value;
    if (value) this.closeConnections();
  }

  setCertificate(cert: { certPem: string; keyPem: string }): void {
    this.server.setSecureContext({ key: cert.keyPem, cert: cert.certPem });
    this.closeConnections();
  }

  closeConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.hanging.clear();
  }

  hang(res: ServerResponse): void {
    this.hanging.add(res);
    res.on('close', () => this.hanging.delete(res));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.closeConnections();
    });
  }
}

/** Header-safe reason phrase: the first line of the message, latin-1 printable only. */
function reasonPhrase(message: string): string {
  const first = message.split('\n')[0] ?? '';
  return first.replace(/[^\t\x20-\x7e]/g, '?').slice(0, 200) || 'Error';
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  reason: string | undefined,
  body: string,
  close: boolean,
): void {
  if (res.headersSent || res.destroyed) return;
  let payload: Buffer | string = body;
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json;charset=UTF-8',
    'Cache-Control': 'max-age=0',
    Pragma: 'no-cache',
    Expires: new Date().toUTCString(),
  };
  if (body.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    payload = gzipSync(body, { level: 1 });
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = Buffer.byteLength(payload);
  if (close) headers.Connection = 'close';
  if (reason !== undefined) res.writeHead(status, reason, headers);
  else res.writeHead(status, headers);
  res.end(payload);
}

function sendError(ep: EndpointCore, req: IncomingMessage, res: ServerResponse, err: HttpError): void {
  if (ep.kind === 'pve') {
    let body = '';
    if (!err.emptyBody) {
      let message = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
      if (err.errors) for (const [k, v] of Object.entries(err.errors)) message += `${k}: ${v}\n`;
      body = JSON.stringify(err.errors ? { data: null, errors: err.errors, message } : { data: null, message });
    }
    // pveproxy closes the connection after any status >= 400.
    send(req, res, err.status, reasonPhrase(err.message), body, true);
  } else {
    let text = err.message;
    if (err.errors)
      text += `\n${Object.entries(err.errors)
        .map(([k, v]) => `parameter '${k}': ${v}`)
        .join('\n')}`;
    send(req, res, err.status, undefined, text, false);
  }
}

function parseQuery(qs: string, into: Record<string, unknown>): void {
  if (!qs) return;
  for (const [k, v] of new URLSearchParams(qs)) into[k] = v;
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'request too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size === 0) return resolve({});
      const text = Buffer.concat(chunks).toString('utf8');
      const type = String(req.headers['content-type'] ?? '');
      if (type.includes('application/json')) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
            return reject(new HttpError(400, 'JSON body must be an object'));
          return resolve(parsed as Record<string, unknown>);
        } catch {
          return reject(new HttpError(400, 'malformed JSON request body'));
        }
      }
      const out: Record<string, unknown> = {};
      parseQuery(text, out);
      resolve(out);
    });
  });
}

/** The request pipeline shared by PVE and PBS listeners: count, authenticate, queue per node, faults, handle, answer. */
export function createRequestHandler(ep: EndpointCore, listener: () => Listener) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void handle(ep, listener(), req, res).catch(async (err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, err instanceof Error ? err.message : String(err));
      // Every 401 is delayed, login failures included.
      if (e.status === 401 && ep.options.unauthorizedDelayMs > 0) await sleep(ep.options.unauthorizedDelayMs);
      sendError(ep, req, res, e);
    });
  };
}

async function handle(ep: EndpointCore, listener: Listener, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';
  if (!pathname.startsWith(`${PREFIX}/`) && pathname !== PREFIX) {
    throw new HttpError(
      ep.kind === 'pve' ? 501 : 404,
      ep.kind === 'pve' ? `Method '${method} ${pathname}' not implemented` : `Path '${pathname}' not found.`,
    );
  }
  const rel = pathname.slice(PREFIX.length) || '/';
  const match = ep.router.match(method, rel);
  const template = match?.template ?? '<unknown>';
  const countKey = `${method} ${template}`;
  ep.counts.set(countKey, (ep.counts.get(countKey) ?? 0) + 1);

  let principal: Principal | undefined;
  if (!match?.route.noAuth) {
    try {
      principal =
        ep.kind === 'pve'
          ? authenticatePve(ep.realm, method, req.headers)
          : authenticatePbs(ep.realm, method, req.headers);
    } catch (err) {
      if (err instanceof AuthError) {
        if (ep.options.unauthorizedDelayMs > 0) await sleep(ep.options.unauthorizedDelayMs);
        if (ep.kind === 'pve') return sendError(ep, req, res, err);
        return sendError(ep, req, res, new HttpError(401, err.message));
      }
      throw err;
    }
  }
  if (!match) {
    if (ep.kind === 'pve') throw new HttpError(501, `Method '${method} ${rel}' not implemented`);
    throw new HttpError(404, `Path '${pathname}' not found.`);
  }
  const route = match.route;
  if (principal?.via === 'token' && route.noToken) {
    throw new HttpError(403, `URI '${rel}' not available with API token, need proper ticket.`);
  }
  let node = match.params.node;
  if (node === 'localhost') node = ep.entryNode;
  if (node !== undefined && ep.kind === 'pve') {
    if (!ep.hasNode(node)) {
      throw new HttpError(
        500,
        `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
      );
    }
    if (ep.nodeOffline(node)) throw new HttpError(595, 'No route to host', undefined, true);
  }
  const slotNode = node ?? ep.entryNode;
  let sem = ep.semaphores.get(slotNode);
  if (!sem) {
    sem = new Semaphore(ep.options.nodeConcurrency);
    ep.semaphores.set(slotNode, sem);
  }
  const release = await sem.acquire();
  try {
    const f = ep.faults.empty ? undefined : ep.faults.forRequest(ep.name, node, method, template, rel);
    const latency = ep.options.latencyMs + (f?.latencyMs ?? 0);
    const jitter = ep.options.jitterMs + (f?.jitterMs ?? 0);
    const delay = latency + (jitter > 0 ? Math.random() * jitter : 0);
    if (delay > 0) await sleep(delay);
    if (f?.hang) {
      listener.hang(res);
      return;
    }
    if (f && f.errorRate > 0 && Math.random() < f.errorRate) {
      throw new HttpError(500, ep.kind === 'pve' ? 'simulated failure: got timeout' : 'simulated failure: got timeout');
    }
    const input: Record<string, unknown> = method === 'GET' || method === 'DELETE' ? {} : await readBody(req);
    if (q >= 0) parseQuery(url.slice(q + 1), input);
    for (const [k, v] of Object.entries(match.params)) input[k] = v;
    const args =
      ep.kind === 'pve' && route.validate !== false
        ? validatePveParams(match.template, method, input)
        : (input as RouteCtx['args']);
    if (node !== undefined) args.node = node;
    const ctx: RouteCtx = {
      args,
      params: match.params,
      principal: principal ?? { userid: '', role: 'audit', via: 'ticket' },
      method,
      path: rel,
      template: match.template,
      headers: req.headers,
    };
    if (route.priv && principal && principal.role !== 'admin') {
      const [path, priv] = route.priv(ctx);
      throw new HttpError(
        403,
        ep.kind === 'pve' ? `Permission check failed (${path}, ${priv})` : `permission check failed.`,
      );
    }
    ep.beforeRoute?.(match.template, method);
    const data = await route.handler(ctx);
    send(req, res, 200, undefined, JSON.stringify({ data: data === undefined ? null : data }), false);
  } finally {
    release();
  }
}

export type { TLSSocket };
