import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Db } from 'mongodb';
import { type Config, loadConfig, settings } from '../../shared/config.ts';
import { connectMongo } from '../../shared/db.ts';

// The vault modules load libsodium (a large WASM build): imported only when a vault command runs.
const vaultModule = () => import('../../shared/vault/index.ts');

async function withDatabase<T>(run: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (!config.MONGODB_URI) {
    throw new Error(
      'MONGODB_URI is not set: start `npm run services` and export what it prints, or point it at your MongoDB',
    );
  }
  const { client, db } = await connectMongo(config.MONGODB_URI, config.STRATA_DB_NAME);
  try {
    return await run(db, config);
  } finally {
    await client.close();
  }
}

const kdfOption = (description: string) =>
  new Option('--kdf <strength>', description).choices(['interactive', 'moderate'] as const);

function limitOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number is needed.');
  return n;
}

function describeSource(status: { source?: string; keyFile?: string; kdf?: { opslimit: number; memlimit: number } }) {
  if (status.source === 'passphrase' && status.kdf) {
    return `passphrase (Argon2id, ${status.kdf.opslimit} passes, ${status.kdf.memlimit / 1024 / 1024} MiB)`;
  }
  return status.keyFile ? `key file ${status.keyFile}` : String(status.source);
}

async function readHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The new passphrase: STRATA_VAULT_NEW_PASSPHRASE, else stdin (asked twice, unechoed, on a terminal). */
async function readNewPassphrase(): Promise<string> {
  let value = process.env.STRATA_VAULT_NEW_PASSPHRASE;
  if (!value && process.stdin.isTTY) {
    value = await readHidden('New passphrase: ');
    if ((await readHidden('Repeat it: ')) !== value) throw new Error('The two passphrases differ.');
  } else if (!value) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    value = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  if (!value) throw new Error('No new passphrase: set STRATA_VAULT_NEW_PASSPHRASE or write it on stdin.');
  const parsed = settings.STRATA_VAULT_PASSPHRASE.schema.safeParse(value);
  if (!parsed.success) throw new Error(`The new passphrase ${parsed.error.issues[0]?.message ?? 'is invalid'}.`);
  return value;
}

export function register(program: Command): void {
  const vault = program
    .command('vault')
    .description('the master key that seals cluster secrets (key file or passphrase)');

  vault
    .command('init')
    .description('set up the vault: create the key file, or the Argon2id parameters for STRATA_VAULT_PASSPHRASE')
    .addOption(kdfOption('Argon2id strength for a passphrase').default('moderate'))
    .action(async (opts: { kdf: 'interactive' | 'moderate' }) => {
      const { initVault, vaultOptionsFromConfig } = await vaultModule();
      await withDatabase(async (db, config) => {
        const v = await initVault(db, { ...vaultOptionsFromConfig(config), kdf: opts.kdf });
        const status = await v.status();
        v.close();
        console.log(`Vault set up with ${describeSource(status)}; master key ${v.kid}.`);
        console.log(
          v.source === 'key-file'
            ? 'Keep a copy of the key file somewhere safe: without it the sealed secrets are lost.'
            : 'Without the passphrase the sealed secrets are lost.',
        );
      });
    });

  vault
    .command('status')
    .description('key source, key id, sealed secrets and rotation state (never a key)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { openVault, readVaultStatus, SEALED_FIELDS, vaultOptionsFromConfig } = await vaultModule();
      await withDatabase(async (db, config) => {
        const options = vaultOptionsFromConfig(config);
        const status = { ...(await readVaultStatus(db, SEALED_FIELDS)), keyFile: options.keyFile };
        let keyError: Error | undefined;
        if (status.initialised) {
          await openVault(db, { ...options, create: false, resume: false }).then(
            (v) => v.close(),
            (e: Error) => {
              keyError = e;
            },
          );
        }
        if (opts.json) {
          console.log(JSON.stringify({ ...status, keyOpens: status.initialised && !keyError }, null, 2));
        } else if (!status.initialised) {
          console.log('vault:      not set up (run `strata vault init`)');
        } else {
          const byKid = Object.entries(status.byKid).map(([k, n]) => `${n} under ${k}`);
          const r = status.rotation;
          console.log(`vault:      set up ${status.createdAt?.toISOString()}`);
          console.log(`key source: ${describeSource(status)}`);
          console.log(
            `key:        ${status.kid}${keyError ? ' (REFUSED with the given key file or passphrase)' : ' (opens)'}`,
          );
          if (status.rotatedAt) console.log(`rotated:    ${status.rotatedAt.toISOString()}`);
          console.log(`sealed:     ${status.sealed} secrets${byKid.length ? ` (${byKid.join(', ')})` : ''}`);
          console.log(
            r
              ? `rotation:   half-done since ${r.startedAt.toISOString()}, ${r.from} -> ${r.to}, ${r.remaining} secrets still under the old key (\`strata vault rotate\` finishes it)`
              : 'rotation:   none in progress',
          );
        }
        if (keyError) throw keyError;
      });
    });

  vault
    .command('rotate')
    .description('re-seal every secret under a new master key (finishes a half-done rotation instead, if any)')
    .option('--limit <n>', 're-seal at most n secrets now; the next run carries on', limitOf)
    .action(async (opts: { limit?: number }) => {
      const { openVault, vaultOptionsFromConfig } = await vaultModule();
      await withDatabase(async (db, config) => {
        const v = await openVault(db, { ...vaultOptionsFromConfig(config), create: false, resume: false });
        try {
          const r = await v.rotate({ limit: opts.limit });
          const what = r.resumed ? 'Carried on the half-done rotation' : 'Rotation';
          if (!r.complete) {
            console.log(`${what} from ${r.from} to ${r.to}: ${r.resealed} secrets re-sealed, stopped at the limit.`);
            console.log('Both keys open secrets until it is finished: run `strata vault rotate` again.');
            return;
          }
          console.log(`${what} from ${r.from} to ${r.to} finished: ${r.resealed} secrets re-sealed.`);
          if (v.source === 'key-file') {
            console.log(
              `Key file ${config.STRATA_VAULT_KEY_FILE} now holds the new key: copy it to every host running Strata.`,
            );
          }
        } finally {
          v.close();
        }
      });
    });

  vault
    .command('passphrase')
    .description(
      'change the passphrase (the current one in STRATA_VAULT_PASSPHRASE, the new one in STRATA_VAULT_NEW_PASSPHRASE or on stdin)',
    )
    .addOption(kdfOption('Argon2id strength for the new passphrase (default: as now)'))
    .action(async (opts: { kdf?: 'interactive' | 'moderate' }) => {
      const { openVault } = await vaultModule();
      await withDatabase(async (db, config) => {
        if (!config.STRATA_VAULT_PASSPHRASE) {
          throw new Error('STRATA_VAULT_PASSPHRASE is not set: it must hold the current passphrase.');
        }
        const newPassphrase = await readNewPassphrase();
        const v = await openVault(db, { passphrase: config.STRATA_VAULT_PASSPHRASE, create: false, resume: false });
        try {
          const r = await v.changePassphrase(newPassphrase, { kdf: opts.kdf });
          console.log(`Passphrase changed: ${r.resealed} secrets re-sealed under key ${v.kid}.`);
          console.log('Set STRATA_VAULT_PASSPHRASE to the new passphrase for every Strata process.');
        } finally {
          v.close();
        }
      });
    });
}
