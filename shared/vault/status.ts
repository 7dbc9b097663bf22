import type { Db } from 'mongodb';
import type { SealedField } from './sealed-fields.ts';
import { type KeySource, readVaultState } from './state.ts';

export interface VaultStatus {
  initialised: boolean;
  source?: KeySource;
  /** The current key's id (the old one while a rotation is half-done). */
  kid?: string;
  kdf?: { alg: string; opslimit: number; memlimit: number };
  createdAt?: Date;
  rotatedAt?: Date;
  /** Sealed secrets in every registered field. */
  sealed: number;
  /** Sealed secrets by key id; `other` counts those under a key the vault record does not name. */
  byKid: Record<string, number>;
  rotation: null | { from: string; to: string; startedAt: Date; remaining: number };
}

/**
 * What the vault looks like in MongoDB, without opening it. Counts scan the registered collections, which is
 * fine for the cluster registry and for a command, not for a request path.
 */
export async function readVaultStatus(db: Db, fields: readonly SealedField[]): Promise<VaultStatus> {
  const state = await readVaultState(db);
  const kids = state ? [state.kid, ...(state.rotation ? [state.rotation.to] : [])] : [];
  let sealed = 0;
  const byKid: Record<string, number> = Object.fromEntries(kids.map((k) => [k, 0]));
  for (const { collection, field } of fields) {
    const coll = db.collection(collection);
    const all = await coll.countDocuments({ [`${field}.kid`]: { $exists: true } });
    sealed += all;
    let known = 0;
    for (const kid of kids) {
      const n = all === 0 ? 0 : await coll.countDocuments({ [`${field}.kid`]: kid });
      byKid[kid] = (byKid[kid] ?? 0) + n;
      known += n;
    }
    if (all > known) byKid.other = (byKid.other ?? 0) + all - known;
  }
  if (!state) return { initialised: false, sealed, byKid, rotation: null };
  return {
    initialised: true,
    source: state.source,
    kid: state.kid,
    ...(state.kdf && { kdf: { alg: state.kdf.alg, opslimit: state.kdf.opslimit, memlimit: state.kdf.memlimit } }),
    createdAt: state.createdAt,
    ...(state.rotatedAt && { rotatedAt: state.rotatedAt }),
    sealed,
    byKid,
    rotation: state.rotation
      ? {
          from: state.rotation.from,
          to: state.rotation.to,
          startedAt: state.rotation.startedAt,
          remaining: byKid[state.rotation.from] ?? 0,
        }
      : null,
  };
}
