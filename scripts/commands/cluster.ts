import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { openDb } from '../../crawler/runtime.ts';
import { loadConfig } from '../../shared/config.ts';
import {
  fetchFingerprint,
  fingerprintsEqual,
  ProxmoxClient,
  ProxmoxError,
  TlsPinMismatchError,
} from '../../shared/proxmox/index.ts';
import {
  addCluster,
  type ClusterInput,
  clusterInput,
  describeIssues,
  ensureRegistryIndexes,
  getCluster,
  listClusters,
  openAuth,
  RegistryError,
  removeCluster,
  updateCluster,
} from '../../shared/registry/index.ts';
import { openVault, vaultOptionsFromConfig } from '../../shared/vault/index.ts';

/**
 * `strata cluster add|list|test|pin|remove`: the cluster registry from the command line. Secrets come from
 * STRATA_CLUSTER_SECRET / STRATA_CLUSTER_PASSWORD or standard input, never from the command line (argv is
 * visible to every user of the machine). Bad input: one line on stderr, exit 2; failures: exit 1.
 */

class UsageError extends Error {
  readonly exitCode = 2;
}

const collect = (value: string, previous: string[]) => [...previous, value];

async function readSecret(what: string, envName: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    process.stderr.write(`${what} (not shown): `);
    const rl = createInterface({ input: process.stdin, terminal: true });
    // Mute the echo of what is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
    const line = await new Promise<string>((resolve) => rl.once('line', resolve));
    rl.close();
    process.stderr.write('\n');
    return line.trim();
  }
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  const line = data.split(/\r?\n/)[0]?.trim() ?? '';
  if (!line) throw new UsageError(`${what} is missing: set ${envName} or pipe it on standard input`);
  return line;
}

/** Runs an action: usage and registry input errors become one line and exit 2, other failures exit 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const usage = e instanceof UsageError || (e instanceof RegistryError && e.code === 'INVALID');
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`strata: ${message.split('\n')[0]}\n`);
      process.exitCode = usage ? 2 : 1;
    }
  };
}

async function withRegistry<T>(
  fn: (ctx: Awaited<ReturnType<typeof open>>) => Promise<T>,
  needVault = true,
): Promise<T> {
  const ctx = await open(needVault);
  try {
    return await fn(ctx);
  } finally {
    ctx.vault?.close();
    await ctx.client.close();
  }
}

async function open(needVault = true) {
  const config = loadConfig();
  const { db, client } = await openDb(config);
  try {
    await ensureRegistryIndexes(db);
    const vault = needVault ? await openVault(db, vaultOptionsFromConfig(config)) : undefined;
    return { db, client, vault };
  } catch (e) {
    await client.close();
    throw e;
  }
}

interface AddOptions {
  host: string;
  port?: string;
  kind: string;
  tokenId?: string;
  user?: string;
  fingerprint?: string;
  trustFingerprint?: boolean;
  caFile?: string;
  group: string[];
  fallbackHost: string[];
  excludeNode: string[];
  disabled?: boolean;
  tagNotes?: boolean;
}

async function add(name: string, o: AddOptions): Promise<void> {
  if (o.fingerprint && o.trustFingerprint) throw new UsageError('give --fingerprint or --trust-fingerprint, not both');
  if (!o.fingerprint && !o.trustFingerprint && !o.caFile) {
    throw new UsageError(
      'the server certificate must be pinned: give --fingerprint FP, --ca-file PEM, or --trust-fingerprint to read and store it',
    );
  }
  if (Boolean(o.tokenId) === Boolean(o.user)) {
    throw new UsageError('give either --token-id (recommended) or --user');
  }
  const input: ClusterInput = {
    name,
    kind: o.kind as 'pve',
    host: o.host,
    ...(o.port !== undefined ? { port: o.port as unknown as number } : {}),
    fallbackHosts: o.fallbackHost,
    groups: o.group,
    excludeNodes: o.excludeNode,
    enabled: !o.disabled,
    tagNotes: Boolean(o.tagNotes),
    ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}),
    ...(o.tokenId ? { tokenId: o.tokenId, secret: 'placeholder' } : { username: o.user!, password: 'placeholder' }),
  };
  if (o.caFile) {
    try {
      input.caPem = readFileSync(o.caFile, 'utf8');
    } catch (e) {
      throw new UsageError(
        `cannot read --ca-file ${o.caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  // Everything but the secret is checked before asking for it.
  const checked = clusterInput.safeParse(input);
  if (!checked.success) throw new UsageError(describeIssues(checked.error));
  if (o.tokenId) input.secret = await readSecret('API token secret', 'STRATA_CLUSTER_SECRET');
  else input.password = await readSecret(`password of ${o.user}`, 'STRATA_CLUSTER_PASSWORD');
  if (o.trustFingerprint) {
    const port = checked.data.port ?? (checked.data.kind === 'pbs' ? 8007 : 8006);
    const cert = await fetchFingerprint(checked.data.host, port);
    process.stdout.write(
      `server certificate of ${checked.data.host}:${port}\n  subject ${cert.subject}\n  issuer  ${cert.issuer}\n  valid   ${cert.validFrom} to ${cert.validTo}\n  SHA-256 ${cert.fingerprint}\n`,
    );
    input.fingerprint = cert.fingerprint;
  }
  const view = await withRegistry(({ db, vault }) => addCluster(db, vault!, input));
  const auth =
    view.credentials.type === 'token' ? `token ${view.credentials.tokenId}` : `user ${view.credentials.username}`;
  const pin = view.fingerprint ? `fingerprint ${view.fingerprint}` : 'CA certificate';
  process.stdout.write(`registered ${view.name}: ${view.kind} at ${view.host}:${view.port}, ${auth}, ${pin}\n`);
}

async function list(o: { json?: boolean }): Promise<void> {
  const views = await withRegistry(({ db }) => listClusters(db), false);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(views, null, 2)}\n`);
    return;
  }
  if (views.length === 0) {
    process.stdout.write('no cluster registered (add one with `strata cluster add`)\n');
    return;
  }
  const rows = views.map((v) => [
    v.name,
    v.kind,
    `${v.host}:${v.port}`,
    v.credentials.type === 'token'
      ? `token ${v.credentials.tokenId} (secret ${v.credentials.secretSet ? 'set' : 'MISSING'})`
      : `user ${v.credentials.username} (password ${v.credentials.passwordSet ? 'set' : 'MISSING'})`,
    v.fingerprint ? `${v.fingerprint.slice(0, 23)}…` : v.caPem ? 'CA' : 'NONE',
    v.groups.join(',') || '-',
    v.enabled ? 'enabled' : 'disabled',
  ]);
  const head = ['NAME', 'KIND', 'HOST', 'CREDENTIALS', 'PIN', 'GROUPS', 'STATE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) {
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

async function test(name: string): Promise<void> {
  await withRegistry(async ({ db, vault }) => {
    const entry = await getCluster(db, name);
    const cert = await fetchFingerprint(entry.host, entry.port);
    const pinOk = entry.fingerprint ? fingerprintsEqual(entry.fingerprint, cert.fingerprint) : undefined;
    process.stdout.write(`${entry.name}: ${entry.host}:${entry.port}\n  certificate SHA-256 ${cert.fingerprint}\n`);
    if (pinOk === undefined) process.stdout.write('  pinned: CA certificate\n');
    else process.stdout.write(`  pinned ${entry.fingerprint} ${pinOk ? '(matches)' : '(DOES NOT MATCH)'}\n`);
    const client = new ProxmoxClient({
      kind: entry.kind,
      host: entry.host,
      port: entry.port,
      ...(entry.fingerprint ? { fingerprint: entry.fingerprint } : {}),
      ...(entry.caPem ? { caPem: entry.caPem } : {}),
      auth: openAuth(vault!, entry),
      retries: 0,
    });
    try {
      const v = await client.get<{ version?: string; release?: string }>('/version');
      process.stdout.write(
        `  connected: ${entry.kind === 'pbs' ? 'Proxmox Backup Server' : 'Proxmox VE'} ${v?.version ?? '?'}\n`,
      );
    } catch (e) {
      if (e instanceof TlsPinMismatchError || e instanceof ProxmoxError) throw new Error(e.message);
      throw e;
    } finally {
      await client.close();
    }
    if (pinOk === false) throw new Error(`the certificate of ${entry.name} does not match its pin`);
  });
}

async function pin(name: string, o: { fingerprint?: string; trustFingerprint?: boolean }): Promise<void> {
  if (Boolean(o.fingerprint) === Boolean(o.trustFingerprint)) {
    throw new UsageError('give either --fingerprint FP or --trust-fingerprint');
  }
  await withRegistry(async ({ db }) => {
    const entry = await getCluster(db, name);
    let fp = o.fingerprint;
    if (o.trustFingerprint) {
      const cert = await fetchFingerprint(entry.host, entry.port);
      process.stdout.write(`server certificate of ${entry.host}:${entry.port}: SHA-256 ${cert.fingerprint}\n`);
      fp = cert.fingerprint;
    }
    const view = await updateCluster(db, name, { fingerprint: fp! });
    process.stdout.write(`pinned ${view.name} to ${view.fingerprint}\n`);
  });
}

export function register(program: Command): void {
  const cluster = program.command('cluster').description('the registry of Proxmox VE clusters and Backup Servers');
  cluster
    .command('add <name>')
    .description('register a cluster; its secret comes from STRATA_CLUSTER_SECRET / STRATA_CLUSTER_PASSWORD or stdin')
    .requiredOption('--host <host>', 'API host (DNS name or IP address)')
    .option('--port <port>', 'API port (default 8006 for pve, 8007 for pbs)')
    .option('--kind <kind>', 'pve or pbs', 'pve')
    .option('--token-id <id>', 'API token id, user@realm!name (recommended)')
    .option('--user <user>', 'user@realm, to log in with a password instead of a token')
    .option('--fingerprint <fp>', 'pinned SHA-256 certificate fingerprint')
    .option('--trust-fingerprint', "read the server's certificate fingerprint, print it and pin it")
    .option('--ca-file <pem>', 'pin a CA certificate instead of a fingerprint')
    .option('--group <group>', 'cluster group (repeatable)', collect, [])
    .option('--fallback-host <host>', 'another node to use when the host is down (repeatable)', collect, [])
    .option('--exclude-node <node>', 'do not crawl the guests of this node (repeatable)', collect, [])
    .option('--disabled', 'register without crawling it yet')
    .option('--tag-notes', "write each guest's uid as a marker line in its notes (opt-in)")
    .action(action(add));
  cluster
    .command('list')
    .description('the registered clusters (never their secrets)')
    .option('--json')
    .action(action(list));
  cluster
    .command('test <name>')
    .description('connect to a cluster: version, certificate fingerprint and whether it matches the pin')
    .action(action(test));
  cluster
    .command('pin <name>')
    .description("change a cluster's pinned certificate fingerprint")
    .option('--fingerprint <fp>', 'the new SHA-256 fingerprint')
    .option('--trust-fingerprint', "read the server's current fingerprint, print it and pin it")
    .action(action(pin));
  cluster
    .command('remove <name>')
    .description('remove a cluster from the registry (its snapshots stay)')
    .action(
      action(async (name: string) => {
        await withRegistry(({ db }) => removeCluster(db, name), false);
        process.stdout.write(`removed ${name}\n`);
      }),
    );
}
