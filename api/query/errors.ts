import { ApiError } from '../errors.ts';

/**
 * Errors raised by the data API's query logic: an ApiError (so the app's error handler answers
 * `{error:{code,message}}` with its status) with a stable code and a sentence a person can act on.
 */
export class DataApiError extends ApiError {
  override name = 'DataApiError';
  constructor(status: 400 | 403 | 404 | 409 | 502 | 503, code: string, message: string) {
    super(status, code, message);
  }
}

export const badRequest = (code: string, message: string) => new DataApiError(400, code, message);
export const notFound = (code: string, message: string) => new DataApiError(404, code, message);
export const conflict = (code: string, message: string) => new DataApiError(409, code, message);
export const forbidden = (code: string, message: string) => new DataApiError(403, code, message);
