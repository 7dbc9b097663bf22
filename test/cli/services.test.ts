import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, readState } from '../../scripts/cli/services-state.ts';
import { services } from '../support/services.ts';
import { runCli } from './run-cli.ts';

/**
 * `strata services up --detach` and `services down`. The three URLs point at the run's services, so the
 * background process starts nothing of its own: what is tested is the recording, detaching and stopping.
 */
describe('strata services up --detach / down', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'strata-services-cli-'));
  const s = services();
  const env = { STRATA_DATA_DIR: dataDir, MONGODB_URI: s.mongoUri, REDIS_URL: s.redisUrl, LDAP_URL: s.ldap.url };
  let pid: number | undefined;
  afterAll(() => {
    if (pid && isAlive(pid)) process.kill(pid, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts in the background, refuses a second start, stops from another process', async () => {
    const up = await runCli(['services', 'up', '--detach'], env);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`export MONGODB_URI="${s.mongoUri}"`);
    const state = readState(dataDir)!;
    pid = state.pid;
    expect(isAlive(state.pid)).toBe(true);
    expect(state.env.REDIS_URL).toBe(s.redisUrl);
    expect(statSync(path.join(dataDir, 'services.json')).mode & 0o777).toBe(0o600);

    const again = await runCli(['services', 'up', '--detach'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^strata: local services are already running \(pid \d+\)/);

    const down = await runCli(['services', 'down'], env);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(new RegExp(`Stopped the local services \\(pid ${state.pid},`));
    expect(readState(dataDir)).toBeUndefined();

    const twice = await runCli(['services', 'down'], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/no services started by `strata services up` are recorded/);
  }, 60_000);
});
