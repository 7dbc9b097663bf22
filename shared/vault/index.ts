/** The vault: cluster secrets sealed under a master key from a key file or a passphrase (see vault.ts). */
export { type Binding, type Envelope, isSealed } from './envelope.ts';
export { VaultError, type VaultErrorCode } from './errors.ts';
export { vaultOptionsFromConfig } from './from-config.ts';
export type { KdfStrength } from './kdf.ts';
export type { RotateOptions, RotationResult, RotationStep } from './rotation.ts';
export { SEALED_FIELDS, type SealedField } from './sealed-fields.ts';
export type { KeySource } from './state.ts';
export { readVaultStatus, type VaultStatus } from './status.ts';
export { initVault, openVault, Vault, type VaultOptions } from './vault.ts';
