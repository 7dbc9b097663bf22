import { keyId } from './envelope.ts';
import { VaultError } from './errors.ts';
import { deriveKey } from './kdf.ts';
import { readKeyFile } from './key-file.ts';
import type { Sodium } from './sodium.ts';
import type { KeySource, VaultState } from './state.ts';

/** How a process proves it may open the vault: a key file, or a passphrase. */
export type Credential = { source: 'key-file'; keyFile: string } | { source: 'passphrase'; passphrase: string };

function describeSource(source: KeySource): string {
  return source === 'passphrase' ? 'a passphrase (STRATA_VAULT_PASSPHRASE)' : 'a key file (STRATA_VAULT_KEY_FILE)';
}

/**
 * The master keys a credential gives for this vault record: the current key, or during a rotation possibly
 * the new one. Refuses a credential of the wrong kind, a wrong key file and a wrong passphrase, naming them.
 */
export async function keysFromCredential(
  sodium: Sodium,
  state: VaultState,
  credential: Credential,
): Promise<Map<string, Uint8Array>> {
  if (credential.source !== state.source) {
    throw new VaultError(
      'wrong-source',
      `The vault was set up with ${describeSource(state.source)}, but was given ${describeSource(credential.source)}.`,
    );
  }
  const ours = [state.kid, ...(state.rotation ? [state.rotation.to] : [])];
  if (credential.source === 'key-file') {
    let key: Uint8Array;
    try {
      key = readKeyFile(credential.keyFile);
    } catch (e) {
      if (e instanceof VaultError && e.code === 'key-file-missing') {
        throw new VaultError(
          'key-file-missing',
          `Key file ${credential.keyFile} does not exist, and the vault's secrets are sealed with key ${state.kid}: restore that key file.`,
        );
      }
      throw e;
    }
    const kid = keyId(sodium, key);
    if (!ours.includes(kid)) {
      throw new VaultError(
        'wrong-key',
        `Key file ${credential.keyFile} holds key ${kid}, not the vault's master key ${ours.join(' or ')}: restore the right key file.`,
      );
    }
    return new Map([[kid, key]]);
  }
  const candidates = [
    { kdf: state.kdf, kid: state.kid },
    { kdf: state.rotation?.kdf, kid: state.rotation?.to },
  ];
  for (const { kdf, kid } of candidates) {
    if (!kdf || !kid) continue;
    const key = await deriveKey(sodium, credential.passphrase, kdf);
    if (keyId(sodium, key) === kid) return new Map([[kid, key]]);
    sodium.memzero(key);
  }
  if (!state.kdf)
    throw new VaultError('bad-state', 'The vault record uses a passphrase but has no Argon2id parameters.');
  throw new VaultError(
    'wrong-passphrase',
    'The passphrase does not open the vault (its key check fails): check STRATA_VAULT_PASSPHRASE.',
  );
}
