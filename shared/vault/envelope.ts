import { z } from 'zod';
import { VaultError } from './errors.ts';
import type { Sodium } from './sodium.ts';

/**
 * A sealed value as stored in MongoDB. `kid` names the master key (a keyed hash of it, never the key); the
 * ciphertext is XChaCha20-Poly1305-IETF with a random 24-byte nonce and the record's binding as associated
 * data, so a ciphertext copied onto another record, field or collection fails to open.
 */
export const ALG = 'xchacha20poly1305-ietf';

export const envelopeSchema = z.strictObject({
  v: z.literal(1),
  kid: z.string().regex(/^[0-9a-f]{16}$/),
  alg: z.literal(ALG),
  nonce: z.string().min(1),
  ct: z.string().min(1),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** Where a sealed value belongs: the record's collection and `_id`, and the field's dotted path. */
export const bindingSchema = z.object({
  collection: z.string().min(1),
  id: z.string().min(1),
  field: z.string().min(1),
});
export type Binding = z.infer<typeof bindingSchema>;

export function isSealed(value: unknown): value is Envelope {
  return envelopeSchema.safeParse(value).success;
}

export function checkBinding(binding: Binding): Binding {
  const parsed = bindingSchema.safeParse(binding);
  if (!parsed.success) {
    throw new VaultError('bad-binding', 'A sealed value needs a binding with a non-empty collection, id and field.');
  }
  return parsed.data;
}

/** The associated data: JSON keeps the parts apart, so `a:b`+`c` and `a`+`b:c` bind differently. */
export function associatedData(binding: Binding): string {
  return `strata-vault:v1:${JSON.stringify([binding.collection, binding.id, binding.field])}`;
}

/** The key id: a 64-bit keyed BLAKE2b hash of a constant, which names the key without revealing it. */
export function keyId(sodium: Sodium, key: Uint8Array): string {
  return sodium.to_hex(sodium.crypto_generichash(16, 'strata-vault:kid', key)).slice(0, 16);
}

export function sealBytes(
  sodium: Sodium,
  key: Uint8Array,
  kid: string,
  plaintext: Uint8Array | string,
  binding: Binding,
): Envelope {
  const nonce = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associatedData(binding), null, nonce, key);
  const b64 = sodium.base64_variants.ORIGINAL;
  return { v: 1, kid, alg: ALG, nonce: sodium.to_base64(nonce, b64), ct: sodium.to_base64(ct, b64) };
}

function where(binding: Binding): string {
  return `${binding.collection} ${JSON.stringify(binding.id)} ${binding.field}`;
}

export function parseEnvelope(value: unknown, binding: Binding): Envelope {
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) {
    throw new VaultError('bad-envelope', `The value of ${where(binding)} is not a sealed value (vault envelope v1).`);
  }
  return parsed.data;
}

/** Opens an envelope with the key its kid names; any change to it, or another binding, makes it fail. */
export function openBytes(sodium: Sodium, key: Uint8Array, envelope: Envelope, binding: Binding): Uint8Array {
  const b64 = sodium.base64_variants.ORIGINAL;
  let nonce: Uint8Array;
  let ct: Uint8Array;
  try {
    nonce = sodium.from_base64(envelope.nonce, b64);
    ct = sodium.from_base64(envelope.ct, b64);
  } catch {
    throw new VaultError('bad-envelope', `The sealed value of ${where(binding)} is not valid base64.`);
  }
  if (nonce.length !== sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) {
    throw new VaultError('bad-envelope', `The sealed value of ${where(binding)} has a nonce of the wrong length.`);
  }
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ct, associatedData(binding), nonce, key);
  } catch {
    throw new VaultError(
      'tampered',
      `The sealed value of ${where(binding)} cannot be opened: it was altered, or it belongs to another record or field.`,
    );
  }
}
