import { type Db, type Filter, ObjectId } from 'mongodb';

/**
 * The audit log (`audit`): every login, change and action, with who, what, on what, when, from where and how
 * it ended. Records are only ever added here; a retention job may delete old ones explicitly (no TTL index,
 * which FerretDB lacks).
 */
export const AUDIT = 'audit';

export type AuditOutcome = 'success' | 'failure' | 'denied' | 'error';

export interface AuditEvent {
  /**
   * Who: `ldap:<user>`, `local:<user>`, `token:<id>`, `cli:<os user>`; `login:<name>` for a login refused before
   * any account was looked up (empty password, throttled).
   */
  actor: string;
  /** What, as a dotted verb: `auth.login`, `token.create`, `guest.start`. */
  action: string;
  /** On what (a token id, a cluster, a guest uid), or null. */
  target: string | null;
  outcome: AuditOutcome;
  /** The source address, or `cli` for the command line. */
  address: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

export interface AuditRecord extends AuditEvent {
  _id: ObjectId;
  at: Date;
}

const SECRETISH = /pass|secret|token|ticket|cookie|authorization|csrf|key/i;

/** Drops values under secret-sounding keys: details are for people, never for credentials. */
function scrub(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRETISH.test(k) && typeof v === 'string' ? '[redacted]' : scrub(v, depth + 1),
    ]),
  );
}

export async function audit(db: Db, event: AuditEvent): Promise<void> {
  const doc: Omit<AuditRecord, '_id'> = {
    at: new Date(),
    actor: event.actor,
    action: event.action,
    target: event.target,
    outcome: event.outcome,
    address: event.address,
    ...(event.details ? { details: scrub(event.details) as Record<string, unknown> } : {}),
    ...(event.requestId ? { requestId: event.requestId } : {}),
  };
  await db.collection(AUDIT).insertOne(doc);
}

export interface AuditQuery {
  actor?: string | undefined;
  action?: string | undefined;
  outcome?: AuditOutcome | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** The id of the last record of the previous page. */
  cursor?: string | undefined;
  limit: number;
}

/** Newest first, with equality filters, an optional time range and a cursor on _id. */
export async function readAudit(db: Db, q: AuditQuery): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
  const filter: Filter<AuditRecord> = {};
  if (q.actor) filter.actor = q.actor;
  if (q.action) filter.action = q.action;
  if (q.outcome) filter.outcome = q.outcome;
  if (q.since || q.until) filter.at = { ...(q.since ? { $gte: q.since } : {}), ...(q.until ? { $lt: q.until } : {}) };
  if (q.cursor) filter._id = { $lt: new ObjectId(q.cursor) };
  const docs = await db
    .collection<AuditRecord>(AUDIT)
    .find(filter)
    .sort({ _id: -1 })
    .limit(q.limit + 1)
    .toArray();
  const items = docs.slice(0, q.limit);
  return { items, nextCursor: docs.length > q.limit ? items[items.length - 1]!._id.toHexString() : null };
}
