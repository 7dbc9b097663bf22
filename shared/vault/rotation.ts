import type { Db } from 'mongodb';
import { type Binding, isSealed, keyId, openBytes, sealBytes } from './envelope.ts';
import { VaultError } from './errors.ts';
import { readKeyFile, removeStaleNextFiles, replaceKeyFile } from './key-file.ts';
import type { KeyRing } from './keyring.ts';
import { type SealedField, valueAtPath } from './sealed-fields.ts';
import type { Sodium } from './sodium.ts';
import { type RotationState, VAULT_ID, vaultCollection } from './state.ts';

/*
 * Rotation without transactions. Every step leaves each secret openable with what is on disk and in MongoDB:
 * 1. the rotation is recorded (old and new key ids, the new key check, each key sealed under the other);
 * 2. each secret still under the old key is re-sealed under the new one by a conditional update (only if it
 *    still holds that very envelope), in passes until a pass finds none;
 * 3. key file only: the new key is written to `<file>.next-*` and renamed over the key file;
 * 4. the record is switched to the new key and the rotation state removed, in one update; one last pass
 *    re-seals what a process still on the old key wrote meanwhile, before the old key is forgotten.
 * Until step 4 either key opens both (the record holds each sealed under the other); a crash anywhere is
 * finished by the next `rotate` or `openVault`.
 */

export type RotationStep =
  | 'recorded'
  | 'resealed'
  | 'resealed-all'
  | 'key-file-next-written'
  | 'key-file-swapped'
  | 'finalized';

export interface RotateOptions {
  /** Passphrase source: the new passphrase (a key file source always gets a new random key). */
  newPassphrase?: string;
  /** Passphrase source: Argon2id strength for the new passphrase (default: that of the current one). */
  kdf?: 'interactive' | 'moderate';
  /** Re-seal at most this many secrets, then stop with the rotation half-done (the next call resumes it). */
  limit?: number;
  /** Called after each step; a throw stops the rotation right there, as a crash would. */
  onStep?: (step: RotationStep, progress: { resealed: number }) => void | Promise<void>;
}

export interface RotationResult {
  from: string;
  to: string;
  resealed: number;
  /** A half-done rotation was found and carried on. */
  resumed: boolean;
  /** False when `limit` stopped it half-way. */
  complete: boolean;
}

export interface RotationContext {
  db: Db;
  sodium: Sodium;
  fields: readonly SealedField[];
  keyFile?: string;
}

export interface Progress {
  resealed: number;
  limit?: number;
  onStep?: RotateOptions['onStep'];
}

async function step(progress: Progress, name: RotationStep): Promise<void> {
  await progress.onStep?.(name, { resealed: progress.resealed });
}

/** Step 1: records the rotation unless one is already recorded; false when another process was first. */
export async function recordRotation(db: Db, rotation: RotationState): Promise<boolean> {
  const result = await vaultCollection(db).updateOne(
    { _id: VAULT_ID, kid: rotation.from, rotation: { $exists: false } },
    { $set: { rotation } },
  );
  return result.modifiedCount === 1;
}

function keyOf(ring: KeyRing, kid: string): Uint8Array {
  const key = ring.keys.get(kid);
  if (!key) throw new VaultError('stale-key', `This process does not hold key ${kid} needed by the rotation.`);
  return key;
}

/** Step 2: re-seals every registered secret still under the old key; false when `limit` stopped it. */
export async function resealSecrets(
  ctx: RotationContext,
  ring: KeyRing,
  rotation: RotationState,
  progress: Progress,
): Promise<boolean> {
  const oldKey = keyOf(ring, rotation.from);
  const newKey = keyOf(ring, rotation.to);
  for (;;) {
    let thisPass = 0;
    for (const { collection, field } of ctx.fields) {
      const coll = ctx.db.collection<{ _id: unknown }>(collection);
      const cursor = coll.find({ [`${field}.kid`]: rotation.from }, { projection: { [field]: 1 } });
      try {
        for await (const doc of cursor) {
          if (progress.limit !== undefined && progress.resealed >= progress.limit) return false;
          const envelope = valueAtPath(doc, field);
          if (!isSealed(envelope)) continue;
          const binding: Binding = { collection, id: String(doc._id), field };
          const plaintext = openBytes(ctx.sodium, oldKey, envelope, binding);
          const resealed = sealBytes(ctx.sodium, newKey, rotation.to, plaintext, binding);
          ctx.sodium.memzero(plaintext);
          const result = await coll.updateOne(
            { _id: doc._id, [`${field}.kid`]: rotation.from, [`${field}.nonce`]: envelope.nonce },
            { $set: { [field]: resealed } },
          );
          if (result.modifiedCount === 1) {
            progress.resealed++;
            thisPass++;
            await step(progress, 'resealed');
          }
        }
      } finally {
        await cursor.close();
      }
    }
    // A secret written under the old key by a process that had not yet seen the rotation is caught by the
    // next pass; the rotation ends only after a pass that found nothing left.
    if (thisPass === 0) break;
  }
  await step(progress, 'resealed-all');
  return true;
}

/** Steps 3 and 4: the new key into the key file (when that is the source), then the record switched over. */
export async function finishRotation(
  ctx: RotationContext,
  ring: KeyRing,
  rotation: RotationState,
  progress: Progress,
): Promise<void> {
  if (ctx.keyFile) {
    let onDisk: string | undefined;
    try {
      onDisk = keyId(ctx.sodium, readKeyFile(ctx.keyFile));
    } catch {
      onDisk = undefined;
    }
    if (onDisk !== rotation.to) {
      if (onDisk !== rotation.from) {
        throw new VaultError(
          'wrong-key',
          `Key file ${ctx.keyFile} no longer holds key ${rotation.from}: refusing to replace it; restore it and run the rotation again.`,
        );
      }
      await replaceKeyFile(ctx.keyFile, keyOf(ring, rotation.to), () => step(progress, 'key-file-next-written'));
      await step(progress, 'key-file-swapped');
    }
  }
  await vaultCollection(ctx.db).updateOne(
    { _id: VAULT_ID, 'rotation.to': rotation.to },
    {
      $set: {
        kid: rotation.to,
        check: rotation.check,
        rotatedAt: new Date(),
        ...(rotation.kdf && { kdf: rotation.kdf }),
      },
      $unset: { rotation: '' },
    },
  );
  if (ctx.keyFile) removeStaleNextFiles(ctx.keyFile);
  const sweep: Progress = { resealed: 0 };
  await resealSecrets(ctx, ring, rotation, sweep);
  progress.resealed += sweep.resealed;
  const old = ring.keys.get(rotation.from);
  ring.keys.delete(rotation.from);
  if (old) ctx.sodium.memzero(old);
  ring.writeKid = rotation.to;
  await step(progress, 'finalized');
}
