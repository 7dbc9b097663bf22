import type { Db } from 'mongodb';
import { z } from 'zod';
import { type Binding, envelopeSchema } from './envelope.ts';
import { VaultError } from './errors.ts';
import { kdfParamsSchema } from './kdf.ts';

/**
 * The vault's record in MongoDB (collection `vault`, `_id: 'master'`): which key source, the current key's
 * id and key check (a known value sealed under it), the Argon2id parameters for a passphrase, and while a
 * rotation runs, its state. The rotation state holds each key sealed under the other one, so that whichever
 * of the two keys a process has, it holds both until the rotation is finished.
 */
export const VAULT_COLLECTION = 'vault';
export const VAULT_ID = 'master';

export const KEY_CHECK_PLAINTEXT = 'strata-vault-key-check:v1';
export const CHECK_BINDING: Binding = { collection: VAULT_COLLECTION, id: VAULT_ID, field: 'check' };
export const WRAP_NEXT_BINDING: Binding = { collection: VAULT_COLLECTION, id: VAULT_ID, field: 'rotation.wrapNext' };
export const WRAP_PREV_BINDING: Binding = { collection: VAULT_COLLECTION, id: VAULT_ID, field: 'rotation.wrapPrev' };

const kid = z.string().regex(/^[0-9a-f]{16}$/);

export const rotationSchema = z.object({
  from: kid,
  to: kid,
  /** The key check of the new key. */
  check: envelopeSchema,
  /** The new Argon2id parameters (passphrase source only). */
  kdf: kdfParamsSchema.optional(),
  /** The new key sealed under the old one, and the old key sealed under the new one. */
  wrapNext: envelopeSchema,
  wrapPrev: envelopeSchema,
  startedAt: z.date(),
});
export type RotationState = z.infer<typeof rotationSchema>;

export const keySourceSchema = z.enum(['key-file', 'passphrase']);
export type KeySource = z.infer<typeof keySourceSchema>;

export const vaultStateSchema = z.object({
  _id: z.literal(VAULT_ID),
  v: z.literal(1),
  source: keySourceSchema,
  kid,
  check: envelopeSchema,
  kdf: kdfParamsSchema.optional(),
  createdAt: z.date(),
  rotatedAt: z.date().optional(),
  rotation: rotationSchema.optional(),
});
export type VaultState = z.infer<typeof vaultStateSchema>;

export function vaultCollection(db: Db) {
  return db.collection<VaultState>(VAULT_COLLECTION);
}

export async function readVaultState(db: Db): Promise<VaultState | null> {
  const doc = await vaultCollection(db).findOne({ _id: VAULT_ID });
  if (!doc) return null;
  const parsed = vaultStateSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VaultError(
      'bad-state',
      `The vault record in MongoDB (collection ${VAULT_COLLECTION}) is malformed at ${issue?.path.join('.') || 'its root'}: ${issue?.message ?? 'invalid'}.`,
    );
  }
  return parsed.data;
}

/** Inserts the first vault record; false when another process inserted one first. */
export async function insertVaultState(db: Db, state: VaultState): Promise<boolean> {
  try {
    await vaultCollection(db).insertOne(state);
    return true;
  } catch (e) {
    if ((e as { code?: number }).code === 11000) return false;
    throw e;
  }
}
