import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { VaultError } from './errors.ts';
import type { Sodium } from './sodium.ts';

/** Argon2id parameters, stored with the vault so that the same passphrase derives the same key later. */
export const kdfParamsSchema = z.strictObject({
  alg: z.literal('argon2id13'),
  salt: z.string().regex(/^[A-Za-z0-9+/]{22}==$/, 'a base64 16-byte salt'),
  // Bounds keep a tampered record from making a process spin or allocate without limit.
  opslimit: z.number().int().min(1).max(16),
  memlimit: z
    .number()
    .int()
    .min(8192)
    .max(1024 * 1024 * 1024),
});
export type KdfParams = z.infer<typeof kdfParamsSchema>;

/** libsodium's INTERACTIVE (2 passes, 64 MiB, ~0.1 s here) and MODERATE (3 passes, 256 MiB, ~1 s) limits. */
export type KdfStrength = 'interactive' | 'moderate';

export function newKdfParams(sodium: Sodium, strength: KdfStrength): KdfParams {
  const moderate = strength === 'moderate';
  return {
    alg: 'argon2id13',
    salt: sodium.to_base64(sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES), sodium.base64_variants.ORIGINAL),
    opslimit: moderate ? sodium.crypto_pwhash_OPSLIMIT_MODERATE : sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE,
    memlimit: moderate ? sodium.crypto_pwhash_MEMLIMIT_MODERATE : sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE,
  };
}

/** The strength a stored parameter set was made with (for keeping it when the passphrase changes). */
export function kdfStrengthOf(sodium: Sodium, params: KdfParams): KdfStrength {
  return params.memlimit >= sodium.crypto_pwhash_MEMLIMIT_MODERATE ? 'moderate' : 'interactive';
}

/** Derives the 32-byte master key in a worker thread (Argon2id blocks and keeps its memory otherwise). */
export async function deriveKey(sodium: Sodium, passphrase: string, params: KdfParams): Promise<Uint8Array> {
  const salt = sodium.from_base64(params.salt, sodium.base64_variants.ORIGINAL);
  const worker = new Worker(new URL('./derive-key-worker.mjs', import.meta.url), {
    workerData: { passphrase, salt, opslimit: params.opslimit, memlimit: params.memlimit },
  });
  try {
    const key = await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
    });
    if (!(key instanceof Uint8Array) || key.length !== 32) throw new Error('worker returned no key');
    return key;
  } catch (e) {
    throw new VaultError('kdf-failed', `Deriving the master key from the passphrase failed: ${(e as Error).message}.`);
  } finally {
    await worker.terminate();
  }
}
