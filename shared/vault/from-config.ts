import type { Config } from '../config.ts';
import type { VaultOptions } from './vault.ts';

/** The vault options the settings give: the passphrase when set, else the key file. */
export function vaultOptionsFromConfig(config: Config): VaultOptions {
  return config.STRATA_VAULT_PASSPHRASE
    ? { passphrase: config.STRATA_VAULT_PASSPHRASE }
    : { keyFile: config.STRATA_VAULT_KEY_FILE };
}
