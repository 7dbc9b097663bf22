import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, AppServices } from '../context.ts';

const INCOMING_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id (a well-formed incoming X-Request-Id, e.g. from a proxy, or a new UUID), echoes
 * it in the response, and logs one structured line per request: method, path, status, duration and actor.
 * Nothing from headers or bodies is logged, so no secret can end up in the log.
 */
export function requestContext(services: AppServices): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    const log = services.logger.child({ reqId: requestId });
    c.set('services', services);
    c.set('requestId', requestId);
    c.set('log', log);
    c.set('principal', undefined);
    const started = performance.now();
    await next();
    c.header('X-Request-Id', requestId);
    const status = c.res.status;
    const entry = {
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      actor: c.get('principal')?.actor,
    };
    if (status >= 500) log.warn(entry, 'request failed');
    else log.info(entry, 'request');
  };
}
