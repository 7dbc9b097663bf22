import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  ParameterError,
  type ProxmoxClient,
  parseUpid,
  TimeoutError,
} from '../../shared/proxmox/index.ts';
import {
  type GuestRow,
  listGuests,
  passwordClient,
  type Simulator,
  startTinySimulator,
  tokenClient,
} from './sim-clients.ts';

let sim: Simulator;
let client: ProxmoxClient;

beforeAll(async () => {
  sim = await startTinySimulator({ taskDurationMs: 300 });
  client = tokenClient(sim.clusters[0]!, { retries: 0 });
});

afterAll(async () => {
  await client?.close();
  await sim?.stop();
});

/** A plain (not template, not HA, not locked) qemu guest in the wanted state. */
async function plainQemu(status: 'running' | 'stopped' | 'any'): Promise<GuestRow> {
  const rows = (await listGuests(client)) as GuestRow[];
  const found = rows.find(
    (g) => g.type === 'qemu' && g.template !== 1 && !g.hastate && !g.lock && (status === 'any' || g.status === status),
  );
  if (!found) throw new Error(`the tiny estate has no plain ${status} qemu guest`);
  return found;
}

describe('tasks', () => {
  it('starts a guest and waits for its task, which reports OK', async () => {
    const guest = await plainQemu('stopped');
    const upid = await client.post<string>(['nodes', guest.node, 'qemu', guest.vmid, 'status', 'start']);
    const parsed = parseUpid(upid, 'pve');
    expect(parsed).toMatchObject({ node: guest.node, type: 'qmstart', id: String(guest.vmid) });
    const result = await client.waitForTask(upid, { timeoutMs: 10_000, pollMs: 50 });
    expect(result).toMatchObject({ ok: true, exitStatus: 'OK', upid });
    expect(result.status.status).toBe('stopped');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const current = await client.get<{ status: string }>([
      'nodes',
      guest.node,
      'qemu',
      guest.vmid,
      'status',
      'current',
    ]);
    expect(current.status).toBe('running');
    // The UPID travelled percent-encoded as one path segment.
    expect(client.stats().byEndpoint['GET /nodes/{node}/tasks/{upid}/status']).toBeGreaterThan(0);
  });

  it('reports a failed task with its exit status, without throwing', async () => {
    const guest = await plainQemu('running');
    const upid = await client.post<string>(['nodes', guest.node, 'qemu', guest.vmid, 'status', 'start']);
    const result = await client.waitForTask(upid, { timeoutMs: 10_000, pollMs: 50 });
    expect(result.ok).toBe(false);
    expect(result.exitStatus).toMatch(/already running/);
  });

  it('throws TimeoutError when the task does not stop in time', async () => {
    const guest = await plainQemu('running');
    const upid = await client.post<string>(['nodes', guest.node, 'qemu', guest.vmid, 'status', 'reboot']);
    const err = (await client
      .waitForTask(upid, { timeoutMs: 30, pollMs: 10 })
      .catch((e: unknown) => e)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe('task');
    expect(err.message).toContain(upid);
    expect((await client.waitForTask(upid, { timeoutMs: 10_000, pollMs: 50 })).ok).toBe(true);
  });

  it('works with a ticket too (CSRF on the POST)', async () => {
    const ticketClient = passwordClient(sim.clusters[0]!);
    try {
      const guest = await plainQemu('running');
      const upid = await ticketClient.post<string>(['nodes', guest.node, 'qemu', guest.vmid, 'status', 'reset']);
      expect((await ticketClient.waitForTask(upid, { pollMs: 50 })).exitStatus).toBe('OK');
    } finally {
      await ticketClient.close();
    }
  });

  it('an unknown task is a NotFoundError; a malformed UPID a ParameterError naming upid', async () => {
    const node = sim.clusters[0]!.nodes[0]!;
    const unknown = `UPID:${node}:00001234:00005678:65A1B2C3:qmstart:100:root@pam:`;
    const err = (await client.waitForTask(unknown).catch((e: unknown) => e)) as NotFoundError;
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.status).toBe(500);
    const bad = (await client
      .get(['nodes', node, 'tasks', 'UPID:nonsense', 'status'])
      .catch((e: unknown) => e)) as ParameterError;
    expect(bad).toBeInstanceOf(ParameterError);
    expect(Object.keys(bad.errors)).toContain('upid');
  });
});

describe('reads and writes', () => {
  it('sends booleans as 1/0 (the string "true" is refused by the server)', async () => {
    const node = sim.clusters[0]!.nodes[0]!;
    const plain = await client.get<Array<Record<string, unknown>>>(['nodes', node, 'qemu']);
    const full = await client.get<Array<Record<string, unknown>>>(['nodes', node, 'qemu'], { full: true });
    expect(full.length).toBe(plain.length);
    const keys = (rows: Array<Record<string, unknown>>) => new Set(rows.flatMap((r) => Object.keys(r)));
    expect(keys(full).size).toBeGreaterThan(keys(plain).size);
    const err = (await client
      .get(['nodes', node, 'qemu'], { full: 'true' })
      .catch((e: unknown) => e)) as ParameterError;
    expect(err).toBeInstanceOf(ParameterError);
    expect(err.errors).toHaveProperty('full');
  });

  it('writes JSON bodies and form bodies, with unicode and markup-like text intact', async () => {
    const guest = await plainQemu('any');
    const path = ['nodes', guest.node, 'qemu', guest.vmid, 'config'];
    const note = 'Owner: Zoë <ops@example.com> & "team" = 100%\n# not a comment';
    await client.put(path, { description: note }, { json: true });
    expect((await client.get<{ description: string }>(path)).description).toBe(note);
    await client.put(path, { description: `${note} (form)` });
    expect((await client.get<{ description: string }>(path)).description).toBe(`${note} (form)`);
  });

  it('a stale digest is a ConflictError', async () => {
    const guest = await plainQemu('any');
    const path = ['nodes', guest.node, 'qemu', guest.vmid, 'config'];
    const { digest } = await client.get<{ digest: string }>(path);
    await client.put(path, { description: 'first', digest });
    const err = await client.put(path, { description: 'second', digest }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((await client.get<{ description: string }>(path)).description).toBe('first');
  });

  it('a missing guest is a NotFoundError (PVE answers 500), and so is a missing PBS datastore', async () => {
    const node = sim.clusters[0]!.nodes[0]!;
    const err = (await client.get(['nodes', node, 'qemu', 99999, 'config']).catch((e: unknown) => e)) as NotFoundError;
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.status).toBe(500);
    expect(err.reason).toMatch(/does not exist|no such/i);
    const pbs = tokenClient(sim.pbs[0]!, { retries: 0 });
    try {
      const missing = (await pbs
        .get(['admin', 'datastore', 'no-such-store', 'snapshots'])
        .catch((e: unknown) => e)) as NotFoundError;
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing.message).toContain('no-such-store');
    } finally {
      await pbs.close();
    }
  });

  it('counts calls per endpoint template, as the simulator does', async () => {
    const counted = tokenClient(sim.clusters[0]!);
    try {
      sim.resetCounts();
      const nodes = sim.clusters[0]!.nodes;
      await counted.get('/cluster/resources');
      for (const node of nodes) await counted.get(['nodes', node, 'qemu']);
      const stats = counted.stats();
      expect(stats.requests).toBe(1 + nodes.length);
      expect(stats.byEndpoint).toEqual({
        'GET /cluster/resources': 1,
        'GET /nodes/{node}/qemu': nodes.length,
      });
      const server = sim.counts(sim.clusters[0]!.name);
      expect(server['GET /nodes/{node}/qemu']).toBe(nodes.length);
      counted.resetStats();
      expect(counted.stats().requests).toBe(0);
    } finally {
      await counted.close();
    }
  });
});
