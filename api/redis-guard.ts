import { ApiError, unavailable } from './errors.ts';

/**
 * Runs a Redis operation and turns a connection failure into a 503 that names Redis, so a request never
 * hangs or leaks a driver message when Redis is down.
 */
export async function viaRedis<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw unavailable('Redis is unreachable; try again shortly.', 'redis_unavailable');
  }
}
