import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Role } from './roles.ts';

/**
 * API tokens for scripts: `strata_<id>_<secret>`, created by an Admin with a role, a scope (global or one
 * cluster group) and an expiry. The secret (256 random bits) is shown once; only its SHA-256 is stored, which
 * is enough for a secret that cannot be guessed (no slow hash needed, unlike passwords).
 */
export const API_TOKENS = 'api_tokens';

interface TokenDoc {
  _id: string;
  name: string;
  role: Role;
  group: string | null;
  secretHash: string;
  createdAt: Date;
  createdBy: string;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  lastUsedAt: Date | null;
}

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  group: string | null;
  createdAt: Date;
  createdBy: string;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  status: 'active' | 'expired' | 'revoked';
}

export type TokenCheck =
  | { ok: true; token: TokenInfo }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

const FORMAT = /^strata_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest();
/** lastUsedAt is written at most this often, so a busy script does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const collection = (db: Db) => db.collection<TokenDoc>(API_TOKENS);

function info(doc: TokenDoc, now: number): TokenInfo {
  const status = doc.revokedAt ? 'revoked' : doc.expiresAt.getTime() <= now ? 'expired' : 'active';
  const { _id, secretHash: _hash, revokedBy: _by, ...rest } = doc;
  return { id: _id, ...rest, status };
}

export async function createToken(
  db: Db,
  fields: { name: string; role: Role; group: string | null; expiresAt: Date; createdBy: string },
  now = Date.now(),
): Promise<{ token: TokenInfo; secret: string }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const doc: TokenDoc = {
    _id: id,
    ...fields,
    secretHash: sha256(secret).toString('hex'),
    createdAt: new Date(now),
    revokedAt: null,
    revokedBy: null,
    lastUsedAt: null,
  };
  await collection(db).insertOne(doc);
  return { token: info(doc, now), secret: `strata_${id}_${secret}` };
}

export async function listTokens(db: Db, now = Date.now()): Promise<TokenInfo[]> {
  const docs = await collection(db).find({}).sort({ createdAt: -1 }).toArray();
  return docs.map((d) => info(d, now));
}

/** Revokes a token (kept for the record); null when there is no such token. */
export async function revokeToken(db: Db, id: string, by: string, now = Date.now()): Promise<TokenInfo | null> {
  const doc = await collection(db).findOne({ _id: id });
  if (!doc) return null;
  if (!doc.revokedAt) {
    doc.revokedAt = new Date(now);
    doc.revokedBy = by;
    await collection(db).updateOne({ _id: id }, { $set: { revokedAt: doc.revokedAt, revokedBy: by } });
  }
  return info(doc, now);
}

/** Checks a presented token: format, existence, secret (constant-time), revocation and expiry. */
export async function verifyToken(db: Db, presented: string, now = Date.now()): Promise<TokenCheck> {
  const m = FORMAT.exec(presented);
  if (!m) return { ok: false, reason: 'malformed' };
  const doc = await collection(db).findOne({ _id: m[1]! });
  if (!doc) return { ok: false, reason: 'unknown' };
  if (!timingSafeEqual(Buffer.from(doc.secretHash, 'hex'), sha256(m[2]!))) return { ok: false, reason: 'unknown' };
  if (doc.revokedAt) return { ok: false, reason: 'revoked' };
  if (doc.expiresAt.getTime() <= now) return { ok: false, reason: 'expired' };
  if (!doc.lastUsedAt || now - doc.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    doc.lastUsedAt = new Date(now);
    await collection(db).updateOne({ _id: doc._id }, { $set: { lastUsedAt: doc.lastUsedAt } });
  }
  return { ok: true, token: info(doc, now) };
}
