import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../context.ts';

const headers = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    objectSrc: ["'none'"],
    imgSrc: ["'self'", 'data:'],
  },
  referrerPolicy: 'no-referrer',
  xContentTypeOptions: 'nosniff',
  xFrameOptions: 'DENY',
  crossOriginOpenerPolicy: 'same-origin',
  crossOriginResourcePolicy: 'same-origin',
  // HSTS is added below, only on HTTPS: sent over plain HTTP it would be ignored or, worse, misleading.
  strictTransportSecurity: false,
});

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await headers(c, next);
    if (new URL(c.req.url).protocol === 'https:') {
      c.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    }
    c.header('Cache-Control', c.res.headers.get('Cache-Control') ?? 'no-store');
  };
}
