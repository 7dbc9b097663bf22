import { createHash } from 'node:crypto';
import { badRequest } from './errors.ts';

/**
 * Opaque paging cursors. A cursor holds the position after the last item of a page (its sort value and its
 * unique key) and a fingerprint of the query it belongs to, so a cursor replayed against another query, date
 * or sort is refused instead of silently returning the wrong page. Keyset positions stay correct because a
 * published snapshot never changes.
 */
export interface CursorPosition {
  /** sort value of the last item returned (string, number, boolean or null) */
  s: string | number | boolean | null;
  /** unique key of the last item returned (tie-breaker) */
  k: string;
}

interface CursorBody extends CursorPosition {
  q: string;
}

/** A short, stable fingerprint of everything that defines a result set except the page position. */
export function queryFingerprint(parts: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(parts)
      .sort()
      .map((k) => [k, parts[k]]),
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodeCursor(pos: CursorPosition, fingerprint: string): string {
  const body: CursorBody = { s: pos.s, k: pos.k, q: fingerprint };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(raw: string, fingerprint: string): CursorPosition {
  let body: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(raw)) throw new Error('alphabet');
    body = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid_cursor', 'Parameter cursor is not a cursor this API returned.');
  }
  const b = body as Partial<CursorBody>;
  const sOk = b?.s === null || ['string', 'number', 'boolean'].includes(typeof b?.s);
  if (typeof b !== 'object' || b === null || !sOk || typeof b.k !== 'string' || typeof b.q !== 'string') {
    throw badRequest('invalid_cursor', 'Parameter cursor is not a cursor this API returned.');
  }
  if (b.q !== fingerprint) {
    throw badRequest(
      'cursor_mismatch',
      'Parameter cursor belongs to a different query (date, filters or sort changed); start again without a cursor.',
    );
  }
  return { s: b.s as CursorPosition['s'], k: b.k };
}
