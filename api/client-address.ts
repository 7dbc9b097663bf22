import { isIP } from 'node:net';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

const unmap = (a: string) => (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a);

/**
 * The caller's address: the socket's peer, or, when the peer is a trusted reverse proxy, the last address in
 * X-Forwarded-For that is not itself a trusted proxy. Without a socket (app.request in tests) it is `unknown`.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const peer = c.env?.incoming?.socket?.remoteAddress;
  if (!peer) return 'unknown';
  const trusted = c.get('services').trustedProxies;
  let address = unmap(peer);
  if (!trusted.has(address)) return address;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => unmap(s.trim()))
    .filter((s) => isIP(s) !== 0);
  while (forwarded.length && trusted.has(address)) address = forwarded.pop()!;
  return address;
}
