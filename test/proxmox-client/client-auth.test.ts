import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, PermissionError, type ProxmoxClient } from '../../shared/proxmox/index.ts';
import { listGuests, passwordClient, type Simulator, startTinySimulator, tokenClient } from './sim-clients.ts';

let sim: Simulator;
const clients: ProxmoxClient[] = [];
const track = <T extends ProxmoxClient>(c: T): T => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  sim = await startTinySimulator();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.stop();
});

const pve = () => sim.clusters[0]!;
const pbs = () => sim.pbs[0]!;

describe('API tokens', () => {
  it('authenticates to PVE with PVEAPIToken=USER@REALM!ID=SECRET', async () => {
    const client = track(tokenClient(pve()));
    const nodes = await client.get<Array<{ node: string; status: string }>>('/nodes');
    expect(nodes.map((n) => n.node).sort()).toEqual([...pve().nodes].sort());
  });

  it('authenticates to PBS with PBSAPIToken=USER@REALM!ID:SECRET', async () => {
    const client = track(tokenClient(pbs()));
    const stores = await client.get<Array<{ store: string }>>('/admin/datastore');
    expect(stores.length).toBeGreaterThan(0);
    expect(typeof stores[0]!.store).toBe('string');
  });

  it('refuses a wrong secret with AuthenticationError naming host and token, never the secret', async () => {
    const wrong = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    for (const ep of [pve(), pbs()]) {
      const client = track(tokenClient(ep, { auth: { type: 'token', tokenId: ep.tokenId, secret: wrong } }));
      const err = await client.get('/version').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      const auth = err as AuthenticationError;
      expect(auth.status).toBe(401);
      expect(auth.reason).toBeTruthy();
      expect(auth.message).toContain(`${ep.host}:${ep.port}`);
      expect(auth.message).toContain(ep.tokenId);
      expect(auth.message).not.toContain(wrong);
      expect(auth.message).not.toContain(ep.tokenSecret);
      // A wrong token is final: no retry, no second request.
      expect(client.stats().requests).toBe(1);
    }
  });
});

describe('ticket login', () => {
  it('logs in to PVE and PBS, reads with the cookie and writes with the CSRF token', async () => {
    for (const ep of [pve(), pbs()]) {
      const client = track(passwordClient(ep));
      await client.get('/version');
      expect(client.sessionCounts.logins).toBe(1);
    }
    const client = track(passwordClient(pve()));
    const guest = (await listGuests(client)).find((g) => g.type === 'qemu' && g.template !== 1)!;
    const path = ['nodes', guest.node, 'qemu', guest.vmid, 'config'];
    const note = `client test ${Date.now()}`;
    await client.put(path, { description: note });
    expect((await client.get<{ description?: string }>(path)).description).toBe(note);
  });

  it('refuses a wrong password with AuthenticationError that does not echo it', async () => {
    const client = track(
      passwordClient(pve(), { auth: { type: 'password', username: pve().user, password: 'not-the-password' } }),
    );
    const err = (await client.get('/nodes').catch((e: unknown) => e)) as AuthenticationError;
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.endpoint).toBe('POST /access/ticket');
    expect(err.message).toContain(pve().user);
    expect(err.message).not.toContain('not-the-password');
  });

  it('shares one login among concurrent callers', async () => {
    const client = track(passwordClient(pve()));
    sim.resetCounts();
    await Promise.all(Array.from({ length: 12 }, () => client.get('/cluster/status')));
    expect(client.sessionCounts.logins).toBe(1);
    expect(client.stats().logins).toBe(1);
    expect(sim.counts(pve().name)['POST /access/ticket']).toBe(1);
    expect(sim.counts(pve().name)['GET /cluster/status']).toBe(12);
  });

  it('renews the ticket once it is older than the renewal age', async () => {
    const client = track(passwordClient(pve(), { ticketRenewAfterMs: 100 }));
    await client.get('/version');
    await new Promise((r) => setTimeout(r, 150));
    await client.get('/version');
    expect(client.sessionCounts).toEqual({ logins: 1, renewals: 1 });
    expect(client.stats().byEndpoint['POST /access/ticket']).toBe(2);
  });

  it('logs in again once when the server expired the ticket, for reads and writes', async () => {
    const client = track(passwordClient(pve()));
    const guest = (await listGuests(client)).find((g) => g.type === 'qemu' && g.template !== 1)!;
    expect(client.sessionCounts.logins).toBe(1);
    sim.expireTickets(pve().name);
    await client.get('/nodes');
    expect(client.sessionCounts.logins).toBe(2);
    sim.expireTickets(pve().name);
    await client.put(['nodes', guest.node, 'qemu', guest.vmid, 'config'], { description: 'after expiry' });
    expect(client.sessionCounts.logins).toBe(3);
    const stats = client.stats();
    expect(stats.failures).toBe(2);
    expect(stats.byEndpoint['POST /access/ticket']).toBe(3);
  });

  it('shares the re-login when many calls hit the expired ticket at once', async () => {
    const client = track(passwordClient(pbs()));
    await client.get('/version');
    sim.expireTickets(pbs().name);
    await Promise.all(Array.from({ length: 8 }, () => client.get('/admin/datastore')));
    expect(client.sessionCounts.logins).toBe(2);
  });
});

describe('permissions', () => {
  it('an audit-only token gets PermissionError with the privilege the server names', async () => {
    const ep = pve();
    const client = track(
      tokenClient(ep, { auth: { type: 'token', tokenId: ep.auditTokenId, secret: ep.auditTokenSecret } }),
    );
    const guest = (await listGuests(client)).find((g) => g.type === 'qemu' && g.template !== 1)!;
    const err = (await client
      .post(['nodes', guest.node, 'qemu', guest.vmid, 'status', 'start'])
      .catch((e: unknown) => e)) as PermissionError;
    expect(err).toBeInstanceOf(PermissionError);
    expect(err.status).toBe(403);
    expect(err.reason).toContain('VM.PowerMgmt');
    expect(err.message).toContain(ep.auditTokenId);
    expect(err.message).not.toContain(ep.auditTokenSecret);
  });

  it('an audit-only user with a ticket gets PermissionError too (the CSRF check passed)', async () => {
    const ep = pve();
    const client = track(
      passwordClient(ep, { auth: { type: 'password', username: ep.auditUser, password: ep.auditPassword } }),
    );
    const guest = (await listGuests(client)).find((g) => g.type === 'qemu' && g.template !== 1)!;
    const err = await client
      .put(['nodes', guest.node, 'qemu', guest.vmid, 'config'], { description: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionError);
  });
});

describe('ticket age on the server', () => {
  it('a ticket the server considers too old (clock moved 2 h) leads to one fresh login', async () => {
    const client = track(passwordClient(pve()));
    await client.get('/version');
    sim.shiftClock(7201, pve().name);
    try {
      await client.get('/version');
      expect(client.sessionCounts.logins).toBe(2);
    } finally {
      sim.shiftClock(-7201, pve().name);
    }
  });
});

describe('secrets stay secret', () => {
  it('never logs or exposes the token secret, password or ticket, even at debug level and on failures', async () => {
    const { pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const { inspect } = await import('node:util');
    let logged = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const ep = pve();
    const token = track(tokenClient(ep, { logger, retries: { retries: 1, baseDelayMs: 5, maxDelayMs: 5 } }));
    const ticket = track(passwordClient(ep, { logger }));
    await token.get('/nodes');
    await ticket.get('/nodes');
    const undo = sim.faults.set({ cluster: ep.name, endpoint: 'GET /cluster/status' }, { errorRate: 1 });
    await token.get('/cluster/status').catch(() => undefined);
    await ticket.get('/cluster/status').catch(() => undefined);
    undo();
    sim.expireTickets(ep.name);
    await ticket.get('/version');
    expect(logged).toContain('GET /cluster/status');
    for (const secret of [ep.tokenSecret, ep.password, 'PVE:root@pam']) {
      expect(logged).not.toContain(secret);
      expect(inspect(token, { depth: 10, showHidden: true })).not.toContain(secret);
      expect(inspect(ticket, { depth: 10, showHidden: true })).not.toContain(secret);
      expect(JSON.stringify(token.stats())).not.toContain(secret);
    }
  });

  it('refuses calls after close()', async () => {
    const client = tokenClient(pve());
    await client.get('/version');
    await client.close();
    await expect(client.get('/version')).rejects.toThrowError(/closed/);
  });
});
