import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../simulator/index.ts';
import { services, testDb } from '../support/services.ts';

/** `strata cluster ...` run as a user would: exit codes, one-line errors, no secret on the command line. */

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

const { name: dbName } = await testDb();

function strata(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/strata.ts'), ...args], {
      cwd: root,
      env: {
        ...process.env,
        MONGODB_URI: services().mongoUri,
        REDIS_URL: services().redisUrl,
        STRATA_DB_NAME: dbName,
        STRATA_VAULT_KEY_FILE: path.join(dir, 'master.key'),
        STRATA_VAULT_PASSPHRASE: '',
        STRATA_CLUSTER_SECRET: '',
        STRATA_LOG_LEVEL: 'silent',
        ...opts.env,
      },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.stdin.end(opts.stdin ?? '');
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('strata cluster', () => {
  it('adds a cluster with the secret from stdin, lists it without the secret, and removes it', async () => {
    const secret = '11111111-2222-4333-8444-555555555555';
    const add = await strata(
      [
        'cluster',
        'add',
        'lab-1',
        '--host',
        'pve1.example.test',
        '--token-id',
        'strata@pve!crawl',
        '--fingerprint',
        FP,
        '--group',
        'lab',
      ],
      {
        stdin: `${secret}\n`,
      },
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/registered lab-1: pve at pve1\.example\.test:8006, token strata@pve!crawl/);
    const list = await strata(['cluster', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(secret);
    const [entry] = JSON.parse(list.stdout);
    expect(entry).toMatchObject({ name: 'lab-1', groups: ['lab'], credentials: { secretSet: true }, fingerprint: FP });
    const again = await strata(
      ['cluster', 'add', 'lab-1', '--host', 'h', '--token-id', 'a@pve!b', '--fingerprint', FP],
      {
        env: { STRATA_CLUSTER_SECRET: 'x' },
      },
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^strata: A cluster named "lab-1" is already registered/);
    expect((await strata(['cluster', 'remove', 'lab-1'])).code).toBe(0);
    const gone = await strata(['cluster', 'remove', 'lab-1']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('strata: No cluster named "lab-1" is registered (see `strata cluster list`).\n');
  }, 60_000);

  it('refuses bad input with one line on stderr and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['cluster', 'add', 'bad/name', '--host', 'h', '--token-id', 'a@pve!b', '--fingerprint', FP],
        /name: a cluster name is 1 to 63/,
      ],
      [
        ['cluster', 'add', 'ok', '--host', 'https://h/', '--token-id', 'a@pve!b', '--fingerprint', FP],
        /host: a host is a DNS name or an IP address/,
      ],
      [
        ['cluster', 'add', 'ok', '--host', 'h', '--token-id', 'nobang', '--fingerprint', FP],
        /tokenId: a token id looks like user@realm!tokenname/,
      ],
      [
        ['cluster', 'add', 'ok', '--host', 'h', '--token-id', 'a@pve!b', '--fingerprint', 'AB:CD'],
        /fingerprint: a fingerprint is a SHA-256/,
      ],
      [['cluster', 'add', 'ok', '--host', 'h', '--token-id', 'a@pve!b'], /must be pinned/],
      [
        ['cluster', 'add', 'ok', '--host', 'h', '--fingerprint', FP],
        /give either --token-id \(recommended\) or --user/,
      ],
      [
        ['cluster', 'add', 'ok', '--host', 'h', '--token-id', 'a@pve!b', '--fingerprint', FP, '--port', '99999'],
        /port: port is between 1 and 65535/,
      ],
      [
        ['cluster', 'add', 'ok', '--host', 'h', '--token-id', 'a@pve!b', '--fingerprint', FP],
        /API token secret is missing: set STRATA_CLUSTER_SECRET or pipe it/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await strata(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  }, 120_000);

  it('trusts, tests and re-pins a server certificate', async () => {
    const sim = await startSimulator({ preset: 'tiny', seed: 2, unauthorizedDelayMs: 50 });
    try {
      const e = sim.clusters[0]!;
      const add = await strata(
        ['cluster', 'add', 'sim', '--host', e.host, '--port', String(e.port), '--user', e.user, '--trust-fingerprint'],
        {
          env: { STRATA_CLUSTER_PASSWORD: e.password },
        },
      );
      expect(add.stderr).toBe('');
      expect(add.stdout).toContain(`SHA-256 ${e.fingerprint}`);
      const test = await strata(['cluster', 'test', 'sim']);
      expect(test.code).toBe(0);
      expect(test.stdout).toContain(`certificate SHA-256 ${e.fingerprint}`);
      expect(test.stdout).toContain('(matches)');
      expect(test.stdout).toMatch(/connected: Proxmox VE \d/);
      expect(test.stdout + test.stderr).not.toContain(e.password);
      const fresh = await sim.rotateCertificate(e.name);
      const changed = await strata(['cluster', 'test', 'sim']);
      expect(changed.code).toBe(1);
      expect(changed.stdout).toContain(`certificate SHA-256 ${fresh}`);
      expect(changed.stdout).toContain('(DOES NOT MATCH)');
      expect(changed.stderr.trimEnd().split('\n')).toHaveLength(1);
      const pin = await strata(['cluster', 'pin', 'sim', '--fingerprint', fresh]);
      expect(pin.code).toBe(0);
      expect((await strata(['cluster', 'test', 'sim'])).code).toBe(0);
      // And a crawl of it from the command line.
      const crawl = await strata(['crawl', '--once']);
      expect(crawl.stderr).toBe('');
      expect(crawl.code).toBe(0);
      expect(crawl.stdout).toMatch(/^snapshot \d+ \(.*\): complete in [\d.]+ s\n/);
      expect(crawl.stdout).toMatch(
        new RegExp(`  sim: 2 nodes, ${sim.truth().clusters[0]!.guests.length} guests, \\d+ disks`),
      );
    } finally {
      await sim.stop();
    }
  }, 120_000);
});
