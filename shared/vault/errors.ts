/** Why the vault refused something. Every code comes with one human sentence that says what to do. */
export type VaultErrorCode =
  | 'bad-binding'
  | 'bad-envelope'
  | 'bad-state'
  | 'tampered'
  | 'unknown-key'
  | 'unregistered-field'
  | 'wrong-key'
  | 'wrong-passphrase'
  | 'wrong-source'
  | 'key-file-missing'
  | 'key-file-mode'
  | 'key-file-length'
  | 'key-file-unreadable'
  | 'key-file-exists'
  | 'already-initialised'
  | 'not-initialised'
  | 'orphan-secrets'
  | 'needs-passphrase'
  | 'same-passphrase'
  | 'kdf-failed'
  | 'stale-key';

export class VaultError extends Error {
  override name = 'VaultError';
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
  }
}
