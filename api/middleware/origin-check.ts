import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { forbidden } from '../errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request that says where it comes from (Origin) must come from this site. Browsers send
 * Origin on cross-site writes, so this stops cross-site form posts and login CSRF even before the
 * X-CSRF-Token check; scripts that send no Origin are unaffected.
 */
export function originCheck(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !SAFE_METHODS.has(c.req.method)) {
      let host: string | null = null;
      try {
        host = new URL(origin).host;
      } catch {
        host = null;
      }
      if (!host || host !== new URL(c.req.url).host) {
        throw forbidden('Cross-origin requests that change state are refused.', 'origin_refused');
      }
    }
    await next();
  };
}
