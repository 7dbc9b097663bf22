import fs from 'node:fs';
import type { Db } from 'mongodb';
import {
  type Binding,
  checkBinding,
  type Envelope,
  isSealed,
  keyId,
  openBytes,
  parseEnvelope,
  sealBytes,
} from './envelope.ts';
import { VaultError } from './errors.ts';
import { deriveKey, type KdfParams, type KdfStrength, kdfStrengthOf, newKdfParams } from './kdf.ts';
import { createKeyFile, KEY_BYTES, readKeyFile } from './key-file.ts';
import { type KeyRing, resolveKeyRing } from './keyring.ts';
import {
  finishRotation,
  type Progress,
  type RotateOptions,
  type RotationContext,
  type RotationResult,
  recordRotation,
  resealSecrets,
} from './rotation.ts';
import { isRegisteredField, SEALED_FIELDS, type SealedField } from './sealed-fields.ts';
import { loadSodium, type Sodium } from './sodium.ts';
import {
  CHECK_BINDING,
  insertVaultState,
  KEY_CHECK_PLAINTEXT,
  type KeySource,
  type RotationState,
  readVaultState,
  type VaultState,
  WRAP_NEXT_BINDING,
  WRAP_PREV_BINDING,
} from './state.ts';
import { readVaultStatus, type VaultStatus } from './status.ts';
import { type Credential, keysFromCredential } from './unlock.ts';

export interface VaultOptions {
  /** Master key file; used when no passphrase is given. */
  keyFile?: string;
  /** Derive the master key from this passphrase (Argon2id) instead of a key file. */
  passphrase?: string;
  /** Argon2id strength for a passphrase vault set up now (later opens use the stored parameters). */
  kdf?: KdfStrength;
  /** Set the vault up when the database has none yet (default true: unattended first start). */
  create?: boolean;
  /** Finish a half-done rotation while opening (default true). */
  resume?: boolean;
  /** Where sealed values live (default SEALED_FIELDS). */
  fields?: readonly SealedField[];
}

function credentialOf(options: VaultOptions): Credential {
  if (options.passphrase) return { source: 'passphrase', passphrase: options.passphrase };
  if (options.keyFile) return { source: 'key-file', keyFile: options.keyFile };
  throw new VaultError('needs-passphrase', 'The vault needs a key file (STRATA_VAULT_KEY_FILE) or a passphrase.');
}

/**
 * Sealed secrets under a master key. `seal` and `open` are synchronous and never touch the database; the key
 * ring holds one key, or two while a rotation is half-done (the envelope's kid says which opens it).
 */
export class Vault {
  private constructor(
    private readonly db: Db,
    private readonly sodium: Sodium,
    private readonly credential: Credential,
    private readonly fields: readonly SealedField[],
    private ring: KeyRing,
  ) {}

  /** Opens the vault (setting it up on first run unless `create: false`); refuses a wrong key at once. */
  static async open(db: Db, options: VaultOptions): Promise<Vault> {
    const sodium = await loadSodium();
    const credential = credentialOf(options);
    const fields = options.fields ?? SEALED_FIELDS;
    let state = await readVaultState(db);
    let held: Map<string, Uint8Array> | undefined;
    if (!state) {
      if (options.create === false) {
        throw new VaultError('not-initialised', 'The vault is not set up yet: run `strata vault init`.');
      }
      const made = await setUp(db, sodium, credential, fields, options.kdf ?? 'moderate', false);
      state = made.state;
      held = made.held;
    }
    held ??= await keysFromCredential(sodium, state, credential);
    const ring = resolveKeyRing(sodium, state, held);
    if (!ring) throw new VaultError('wrong-key', 'None of the given keys opens the vault.');
    const vault = new Vault(db, sodium, credential, fields, ring);
    if (state.rotation && options.resume !== false) await vault.rotate();
    return vault;
  }

  /** Sets a new vault up; refuses when the database has one, or the key file exists. */
  static async init(db: Db, options: VaultOptions): Promise<Vault> {
    const sodium = await loadSodium();
    const credential = credentialOf(options);
    const fields = options.fields ?? SEALED_FIELDS;
    const { state, held } = await setUp(db, sodium, credential, fields, options.kdf ?? 'moderate', true);
    const ring = resolveKeyRing(sodium, state, held);
    if (!ring) throw new VaultError('wrong-key', 'The new key does not open the new vault record.');
    return new Vault(db, sodium, credential, fields, ring);
  }

  /** The id of the key new values are sealed with. */
  get kid(): string {
    return this.ring.writeKid;
  }

  get source(): KeySource {
    return this.credential.source;
  }

  /** Key ids this process can open. */
  get kids(): string[] {
    return [...this.ring.keys.keys()];
  }

  isSealed(value: unknown): value is Envelope {
    return isSealed(value);
  }

  /** Seals a secret for one field of one record; the field must be one of the registered sealed fields. */
  seal(plaintext: string, binding: Binding): Envelope {
    const b = checkBinding(binding);
    if (!isRegisteredField(this.fields, b.collection, b.field)) {
      throw new VaultError(
        'unregistered-field',
        `${b.collection}.${b.field} is not a registered sealed field (shared/vault/sealed-fields.ts): rotation would miss it.`,
      );
    }
    const key = this.ring.keys.get(this.ring.writeKid)!;
    return sealBytes(this.sodium, key, this.ring.writeKid, plaintext, b);
  }

  /**
   * Seals with the key MongoDB names now (reloading first): what write paths of long-running processes should
   * use, so that a value written just after another process rotated the key is not sealed under the old one.
   */
  async sealLatest(plaintext: string, binding: Binding): Promise<Envelope> {
    await this.refresh();
    return this.seal(plaintext, binding);
  }

  /** Opens a sealed value for the record and field it was sealed for; anything else fails. */
  open(value: unknown, binding: Binding): string {
    const b = checkBinding(binding);
    const envelope = parseEnvelope(value, b);
    const key = this.ring.keys.get(envelope.kid);
    if (!key) {
      throw new VaultError(
        'unknown-key',
        `The sealed value of ${b.collection} ${JSON.stringify(b.id)} ${b.field} is under key ${envelope.kid}, which this process does not hold (it holds ${this.kids.join(', ')}): if the key was rotated, restart or refresh the vault.`,
      );
    }
    const bytes = openBytes(this.sodium, key, envelope, b);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } finally {
      this.sodium.memzero(bytes);
    }
  }

  /** Sealed-secret counts by key and the rotation state, read from MongoDB; never any key. */
  async status(): Promise<VaultStatus & { keyFile?: string }> {
    const status = await readVaultStatus(this.db, this.fields);
    return this.credential.source === 'key-file' ? { ...status, keyFile: this.credential.keyFile } : status;
  }

  /**
   * Reloads the vault record (and the key file) after another process may have rotated the key. Fails with
   * `stale-key` when none of the keys this process holds or can read opens the vault any more.
   */
  async refresh(): Promise<VaultState> {
    const state = await readVaultState(this.db);
    if (!state) throw new VaultError('not-initialised', 'The vault record is gone from MongoDB.');
    const held = new Map(this.ring.keys);
    if (this.credential.source === 'key-file') {
      try {
        const key = readKeyFile(this.credential.keyFile);
        const kid = keyId(this.sodium, key);
        if (held.has(kid)) this.sodium.memzero(key);
        else held.set(kid, key);
      } catch {
        // the keys held in memory may still do
      }
    }
    const ring = resolveKeyRing(this.sodium, state, held);
    if (!ring) {
      throw new VaultError(
        'stale-key',
        `The vault's key was changed to ${state.kid} by another process and this process cannot open it: restart it with the new key file or passphrase.`,
      );
    }
    for (const [kid, key] of this.ring.keys) if (ring.keys.get(kid) !== key) this.sodium.memzero(key);
    this.ring = ring;
    return state;
  }

  /**
   * Re-seals every secret under a new key, or finishes a half-done rotation (then starts no new one unless
   * a new passphrase is given). Key file: a new random key, swapped into the key file at the end. Passphrase:
   * `newPassphrase` is required.
   */
  async rotate(options: RotateOptions = {}): Promise<RotationResult> {
    const progress: Progress = { resealed: 0, limit: options.limit, onStep: options.onStep };
    let state = await this.refresh();
    let resumed = false;
    if (state.rotation) {
      resumed = true;
      const complete = await this.carryOut(state.rotation, progress);
      const result = {
        from: state.rotation.from,
        to: state.rotation.to,
        resealed: progress.resealed,
        resumed,
        complete,
      };
      if (!complete || !options.newPassphrase) return result;
      state = await this.refresh();
    }
    const next = await this.nextKey(state, options, resumed);
    if (!next) return { from: state.kid, to: state.kid, resealed: progress.resealed, resumed, complete: true };
    const rotation = this.rotationRecord(state, next.key, next.kdf);
    if (!(await recordRotation(this.db, rotation))) {
      this.sodium.memzero(next.key);
      return this.rotate({
        ...options,
        limit: options.limit === undefined ? undefined : options.limit - progress.resealed,
      });
    }
    this.ring.keys.set(rotation.to, next.key);
    this.ring.writeKid = rotation.to;
    await options.onStep?.('recorded', { resealed: progress.resealed });
    const complete = await this.carryOut(rotation, progress);
    return { from: rotation.from, to: rotation.to, resealed: progress.resealed, resumed, complete };
  }

  /** Changes the passphrase of a passphrase vault: a rotation to the key the new passphrase derives. */
  changePassphrase(newPassphrase: string, options: Omit<RotateOptions, 'newPassphrase'> = {}) {
    return this.rotate({ ...options, newPassphrase });
  }

  /** Forgets the keys (zeroes them). */
  close(): void {
    for (const key of this.ring.keys.values()) this.sodium.memzero(key);
    this.ring.keys.clear();
  }

  private async carryOut(rotation: RotationState, progress: Progress): Promise<boolean> {
    const ctx: RotationContext = {
      db: this.db,
      sodium: this.sodium,
      fields: this.fields,
      keyFile: this.credential.source === 'key-file' ? this.credential.keyFile : undefined,
    };
    if (!(await resealSecrets(ctx, this.ring, rotation, progress))) return false;
    await finishRotation(ctx, this.ring, rotation, progress);
    return true;
  }

  /** The new key: random for a key file; derived for a passphrase (null when it is already the current one). */
  private async nextKey(
    state: VaultState,
    options: RotateOptions,
    resumed: boolean,
  ): Promise<{ key: Uint8Array; kdf?: KdfParams } | null> {
    if (this.credential.source === 'key-file') {
      if (options.newPassphrase) {
        throw new VaultError('wrong-source', 'The vault uses a key file, not a passphrase: use `strata vault rotate`.');
      }
      return { key: this.sodium.randombytes_buf(KEY_BYTES) };
    }
    if (!options.newPassphrase) {
      throw new VaultError(
        'needs-passphrase',
        'The vault uses a passphrase: its key changes with the passphrase (`strata vault passphrase`).',
      );
    }
    if (!state.kdf) {
      throw new VaultError('bad-state', 'The vault record uses a passphrase but has no Argon2id parameters.');
    }
    const same = await deriveKey(this.sodium, options.newPassphrase, state.kdf);
    const isCurrent = keyId(this.sodium, same) === state.kid;
    this.sodium.memzero(same);
    if (isCurrent) {
      if (resumed) return null;
      throw new VaultError('same-passphrase', 'The new passphrase is the current one.');
    }
    const kdf = newKdfParams(this.sodium, options.kdf ?? kdfStrengthOf(this.sodium, state.kdf));
    return { key: await deriveKey(this.sodium, options.newPassphrase, kdf), kdf };
  }

  private rotationRecord(state: VaultState, newKey: Uint8Array, kdf?: KdfParams): RotationState {
    const s = this.sodium;
    const oldKey = this.ring.keys.get(state.kid)!;
    const to = keyId(s, newKey);
    return {
      from: state.kid,
      to,
      check: sealBytes(s, newKey, to, KEY_CHECK_PLAINTEXT, CHECK_BINDING),
      ...(kdf && { kdf }),
      wrapNext: sealBytes(s, oldKey, state.kid, newKey, WRAP_NEXT_BINDING),
      wrapPrev: sealBytes(s, newKey, to, oldKey, WRAP_PREV_BINDING),
      startedAt: new Date(),
    };
  }
}

/**
 * Creates the vault record for a credential: a new random key file (or the existing one adopted), or Argon2id
 * parameters for a passphrase. Refuses when sealed secrets already exist without a vault record. When another
 * process set the vault up at the same moment, that vault is the one opened.
 */
async function setUp(
  db: Db,
  sodium: Sodium,
  credential: Credential,
  fields: readonly SealedField[],
  strength: KdfStrength,
  strict: boolean,
): Promise<{ state: VaultState; held: Map<string, Uint8Array> }> {
  if (strict && (await readVaultState(db))) {
    throw new VaultError(
      'already-initialised',
      'The vault is already set up in this database: refusing to replace it.',
    );
  }
  let key: Uint8Array;
  let kdf: KdfParams | undefined;
  if (credential.source === 'key-file') {
    const exists = fs.existsSync(credential.keyFile);
    if (exists && strict) {
      throw new VaultError(
        'key-file-exists',
        `Key file ${credential.keyFile} already exists: refusing to overwrite it.`,
      );
    }
    key = exists ? readKeyFile(credential.keyFile) : sodium.randombytes_buf(KEY_BYTES);
    await refuseOrphanSecrets(db, fields, keyId(sodium, key));
    if (!exists && !createKeyFile(credential.keyFile, key)) {
      if (strict) {
        throw new VaultError(
          'key-file-exists',
          `Key file ${credential.keyFile} was created by another process meanwhile.`,
        );
      }
      key = readKeyFile(credential.keyFile);
    }
  } else {
    kdf = newKdfParams(sodium, strength);
    key = await deriveKey(sodium, credential.passphrase, kdf);
    await refuseOrphanSecrets(db, fields, keyId(sodium, key));
  }
  const kid = keyId(sodium, key);
  const state: VaultState = {
    _id: 'master',
    v: 1,
    source: credential.source,
    kid,
    check: sealBytes(sodium, key, kid, KEY_CHECK_PLAINTEXT, CHECK_BINDING),
    ...(kdf && { kdf }),
    createdAt: new Date(),
  };
  if (await insertVaultState(db, state)) return { state, held: new Map([[kid, key]]) };
  if (strict) {
    throw new VaultError('already-initialised', 'The vault was set up by another process at the same moment.');
  }
  const theirs = await readVaultState(db);
  if (!theirs) throw new VaultError('bad-state', 'The vault record could be neither created nor read.');
  return { state: theirs, held: await keysFromCredential(sodium, theirs, credential) };
}

async function refuseOrphanSecrets(db: Db, fields: readonly SealedField[], kid: string): Promise<void> {
  for (const { collection, field } of fields) {
    const orphan = await db
      .collection(collection)
      .findOne({ [`${field}.kid`]: { $exists: true, $ne: kid } }, { projection: { _id: 1 } });
    if (orphan) {
      throw new VaultError(
        'orphan-secrets',
        `${collection} holds secrets sealed under another key but the vault record is missing: restore the \`vault\` collection instead of setting up a new key.`,
      );
    }
  }
}

/** Opens the vault (see Vault.open). */
export function openVault(db: Db, options: VaultOptions): Promise<Vault> {
  return Vault.open(db, options);
}

/** Sets a new vault up (see Vault.init). */
export function initVault(db: Db, options: VaultOptions): Promise<Vault> {
  return Vault.init(db, options);
}
