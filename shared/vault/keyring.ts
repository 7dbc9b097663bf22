import { keyId, openBytes, parseEnvelope } from './envelope.ts';
import { VaultError } from './errors.ts';
import type { Sodium } from './sodium.ts';
import { CHECK_BINDING, KEY_CHECK_PLAINTEXT, type VaultState, WRAP_NEXT_BINDING, WRAP_PREV_BINDING } from './state.ts';

/** The master keys a process holds, by key id, and the one new values are sealed with. */
export interface KeyRing {
  keys: Map<string, Uint8Array>;
  writeKid: string;
}

function verifyKeyCheck(sodium: Sodium, key: Uint8Array, kid: string, check: unknown): void {
  const envelope = parseEnvelope(check, CHECK_BINDING);
  let ok = false;
  try {
    ok =
      envelope.kid === kid && sodium.to_string(openBytes(sodium, key, envelope, CHECK_BINDING)) === KEY_CHECK_PLAINTEXT;
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new VaultError(
      'wrong-key',
      `The key check in the vault record does not open with key ${kid}: the vault record or the key was altered.`,
    );
  }
}

function unwrap(sodium: Sodium, key: Uint8Array, wrapped: unknown, binding: typeof WRAP_NEXT_BINDING, kid: string) {
  const inner = openBytes(sodium, key, parseEnvelope(wrapped, binding), binding);
  if (keyId(sodium, inner) !== kid) {
    throw new VaultError('bad-state', `The rotation record's copy of key ${kid} is not that key.`);
  }
  return inner;
}

/**
 * The keys the vault record needs, from the ones a process was given (a key file's, or a passphrase's, or
 * what it held before). During a rotation either key brings the other out of the rotation record. Returns null
 * when none of the given keys belongs to this vault.
 */
export function resolveKeyRing(sodium: Sodium, state: VaultState, held: Map<string, Uint8Array>): KeyRing | null {
  const rotation = state.rotation;
  if (!rotation) {
    const key = held.get(state.kid);
    if (!key) return null;
    verifyKeyCheck(sodium, key, state.kid, state.check);
    return { keys: new Map([[state.kid, key]]), writeKid: state.kid };
  }
  let from = held.get(rotation.from);
  let to = held.get(rotation.to);
  if (!from && !to) return null;
  if (from && !to) to = unwrap(sodium, from, rotation.wrapNext, WRAP_NEXT_BINDING, rotation.to);
  if (to && !from) from = unwrap(sodium, to, rotation.wrapPrev, WRAP_PREV_BINDING, rotation.from);
  if (!from || !to) return null;
  verifyKeyCheck(sodium, from, rotation.from, state.check);
  verifyKeyCheck(sodium, to, rotation.to, rotation.check);
  return {
    keys: new Map([
      [rotation.from, from],
      [rotation.to, to],
    ]),
    writeKid: rotation.to,
  };
}
