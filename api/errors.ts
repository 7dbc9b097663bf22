import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error the API answers with: an HTTP status, a stable machine code and a sentence for people.
 * Anything else thrown on a request path becomes a 500 whose message reveals nothing internal.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'bad_request') => new ApiError(400, code, message);
export const unauthenticated = (message = 'Log in or send an API token.', code = 'unauthenticated') =>
  new ApiError(401, code, message);
export const forbidden = (message: string, code = 'forbidden') => new ApiError(403, code, message);
export const notFound = (message: string, code = 'not_found') => new ApiError(404, code, message);
export const conflict = (message: string, code = 'conflict') => new ApiError(409, code, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new ApiError(429, 'too_many_requests', message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
export const unavailable = (message: string, code = 'unavailable') => new ApiError(503, code, message);

/** The JSON body of every error response. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}
