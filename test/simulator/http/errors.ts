/** An error answered to the client: PVE renders it as `{data:null, message, errors?}`, PBS as plain text. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
    /** Answer with an empty body (PVE auth failures, proxied connection errors). */
    readonly emptyBody = false,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function paramError(errors: Record<string, string>): HttpError {
  return new HttpError(400, 'Parameter verification failed.', errors);
}

/** PVE's "die" in a handler: 500 with the message as the reason phrase. */
export function dieError(message: string): HttpError {
  return new HttpError(500, message);
}

/** Auth-stage 401: delayed by the server, empty body for PVE. */
export class AuthError extends HttpError {
  constructor(message: string) {
    super(401, message, undefined, true);
    this.name = 'AuthError';
  }
}
