import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestLock, guestTemplate } from './estate.ts';
import { type Simulator, startSimulator } from './index.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const hasPython = spawnSync('python3', ['--version']).status === 0;

/**
 * Fidelity proof (2): proxmoxer (Python, from PyPI) logs in with a ticket and with a token, lists nodes and
 * resources, starts and stops a VM and waits for the tasks; it also lists PBS datastores and snapshots. Runs when
 * python3 is present; if it is present but the venv cannot be made, the test fails.
 */
describe.runIf(hasPython)('proxmoxer against the simulator', () => {
  let sim: Simulator;
  let dir: string;

  beforeAll(async () => {
    execFileSync(path.join(repo, 'scripts/python-env.sh'), { stdio: 'pipe', timeout: 180_000 });
    sim = await startSimulator({ preset: 'tiny', seed: 11, unauthorizedDelayMs: 10, taskDurationMs: 30 });
    dir = mkdtempSync(path.join(tmpdir(), 'sim-proxmoxer-'));
  }, 200_000);
  afterAll(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, lists, starts a VM and waits for its task, with ticket and token', async () => {
    const cluster = sim.truth().clusters[0]!;
    const vm = cluster.guests.find(
      (g) => g.type === 'qemu' && g.status === 'stopped' && !guestTemplate(g) && !guestLock(g) && !g.ha,
    )!;
    expect(vm).toBeDefined();
    const pve = sim.clusters[0]!;
    const pbs = sim.pbs[0]!;
    const ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, `${pve.certPem}\n${pbs.certPem}\n`);
    const cfg = path.join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ pve, pbs, node: vm.node, vmid: vm.vmid, namespace: cluster.name }));
    // Asynchronous: the simulator answers from this process's event loop.
    const { stdout: out } = await promisify(execFile)(
      path.join(repo, '.cache/py/bin/python'),
      [path.join(repo, 'test/simulator/proxmoxer_check.py'), cfg],
      {
        env: { ...process.env, REQUESTS_CA_BUNDLE: ca, NO_PROXY: '127.0.0.1,localhost' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const report = JSON.parse(out);
    const nodes = cluster.nodes.map((n) => n.name).sort();
    expect(report.ticket.nodes).toEqual(nodes);
    expect(report.ticket.resources).toBe(cluster.guests.length);
    expect(report.ticket.upid).toMatch(/^UPID:[^:]+:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmstart:\d+:root@pam:$/);
    expect(report.ticket.task).toEqual({ status: 'stopped', exitstatus: 'OK', type: 'qmstart' });
    expect(report.ticket.guest_status).toBe('running');
    expect(report.token.nodes).toEqual(nodes);
    expect(report.token.upid).toContain(':qmstop:');
    expect(report.token.upid).toContain(':root@pam!strata:');
    expect(report.token.task.exitstatus).toBe('OK');
    expect(report.token.guest_status).toBe('stopped');
    expect(report.pbs.datastores).toEqual(['backup', 'offsite']);
    const expectedSnaps = sim.truth().pbs[0]!.datastores[0]!.snapshots.filter((s) => s.ns === cluster.name).length;
    expect(report.pbs_ticket.snapshots).toBe(expectedSnaps);
    expect(sim.counts(pve.name)['POST /access/ticket']).toBe(1);
  }, 90_000);
});
