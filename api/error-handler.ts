import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MongoError, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import type { AppEnv } from './context.ts';
import { ApiError, errorBody } from './errors.ts';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

const mongoDown = (e: unknown) =>
  e instanceof MongoServerSelectionError ||
  e instanceof MongoNetworkError ||
  (e instanceof MongoError && /not connected|topology.*closed|client.*closed/i.test(e.message));

/** ioredis fails fast while Redis is down (offline queue off, one retry): these are its messages then. */
const redisDown = (e: Error) =>
  e.name === 'MaxRetriesPerRequestError' ||
  /Stream isn't writeable and enableOfflineQueue|^Connection is closed\.$/.test(e.message);

/**
 * Turns anything thrown on a request path into `{error: {code, message}}` with the right status. Unknown
 * errors are logged in full and answered with a 500 that names only the request id.
 */
export function handleError(err: Error, c: Context<AppEnv>) {
  const log = c.get('log');
  const json = (status: ContentfulStatusCode, code: string, message: string) =>
    c.json(errorBody(code, message), status);
  if (err instanceof ApiError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return json(err.status, err.code, err.message);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const message = status >= 500 ? 'The server failed.' : err.message || 'The request was refused.';
    return json(status, CODE_BY_STATUS[status] ?? 'error', message);
  }
  if (mongoDown(err)) {
    log?.error({ err: err.message }, 'MongoDB unreachable');
    return json(503, 'database_unavailable', 'MongoDB is unreachable; try again shortly.');
  }
  if (redisDown(err)) {
    log?.error({ err: err.message }, 'Redis unreachable');
    return json(503, 'redis_unavailable', 'Redis is unreachable; try again shortly.');
  }
  if (err instanceof MongoServerError && err.code === 11000) {
    return json(409, 'conflict', 'Something with the same identity exists already.');
  }
  log?.error({ err }, 'unhandled error');
  const id = c.get('requestId');
  return json(500, 'internal', `The server failed to handle this request${id ? ` (request id ${id})` : ''}.`);
}
