import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimEndpoint, type Simulator, startSimulator } from './index.ts';
import { call, data, ticketHeaders } from './test-client.ts';

const DELAY = 150;

describe('simulator authentication', () => {
  let sim: Simulator;
  let pve: SimEndpoint;
  let pbs: SimEndpoint;
  let vm: { node: string; vmid: number };

  beforeAll(async () => {
    sim = await startSimulator({ preset: 'tiny', seed: 3, unauthorizedDelayMs: DELAY, taskDurationMs: 20 });
    pve = sim.clusters[0]!;
    pbs = sim.pbs[0]!;
    const g = sim
      .truth()
      .clusters[0]!.guests.find((x) => x.type === 'qemu' && !x.config.template && !x.config.lock && !x.ha)!;
    vm = { node: g.node, vmid: g.vmid };
  });
  afterAll(async () => {
    await sim?.stop();
  });

  describe('PVE', () => {
    it('logs in with a password and returns a ticket in the PVE format with a CSRF token', async () => {
      const r = await call(pve, 'POST', '/access/ticket', {
        body: { username: pve.user, password: pve.password },
        token: false,
      });
      const d = data<{ username: string; ticket: string; CSRFPreventionToken: string; clustername: string }>(r);
      expect(d.username).toBe('root@pam');
      expect(d.ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::\S+$/);
      expect(d.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:\S+$/);
      expect(d.clustername).toBe(pve.name);
    });

    it('accepts the username and realm given apart, and JSON bodies', async () => {
      const r = await call(pve, 'POST', '/access/ticket', {
        body: { username: 'root', realm: 'pam', password: pve.password },
        json: true,
        token: false,
      });
      expect(data<{ username: string }>(r).username).toBe('root@pam');
    });

    it('answers a wrong password with a delayed 401 and an empty body', async () => {
      const r = await call(pve, 'POST', '/access/ticket', {
        body: { username: pve.user, password: 'wrong' },
        token: false,
      });
      expect(r.status).toBe(401);
      expect(r.reason).toBe('authentication failure');
      expect(r.text).toBe('');
      expect(r.ms).toBeGreaterThanOrEqual(DELAY - 5);
    });

    it('requires a ticket or token: 401 "No ticket", delayed', async () => {
      const r = await call(pve, 'GET', '/nodes', { token: false });
      expect(r.status).toBe(401);
      expect(r.reason).toBe('No ticket');
      expect(r.text).toBe('');
      expect(r.ms).toBeGreaterThanOrEqual(DELAY - 5);
    });

    it('reads with the cookie, and writes only with the CSRF header', async () => {
      const t = await ticketHeaders(pve);
      expect((await call(pve, 'GET', '/nodes', { headers: { cookie: t.cookie } })).status).toBe(200);
      // The ticket is also accepted as "PVEAuthCookie=" in the Authorization header.
      expect(
        (await call(pve, 'GET', '/version', { headers: { authorization: `PVEAuthCookie=${t.ticket}` } })).status,
      ).toBe(200);
      const path = `/nodes/${vm.node}/qemu/${vm.vmid}/config`;
      const noCsrf = await call(pve, 'PUT', path, { headers: { cookie: t.cookie }, body: { description: 'x' } });
      expect(noCsrf.status).toBe(401);
      expect(noCsrf.reason).toBe('Permission denied - invalid csrf token');
      const badCsrf = await call(pve, 'PUT', path, {
        headers: { cookie: t.cookie, csrfpreventiontoken: `${t.csrf.slice(0, 9)}AAAA` },
        body: { description: 'x' },
      });
      expect(badCsrf.status).toBe(401);
      const ok = await call(pve, 'PUT', path, {
        headers: { cookie: t.cookie, csrfpreventiontoken: t.csrf },
        body: { description: 'with csrf' },
      });
      expect(ok.status).toBe(200);
      expect(sim.truth().clusters[0]!.guests.find((g) => g.vmid === vm.vmid)!.config.description).toBe('with csrf');
    });

    it('renews a ticket by posting it as the password', async () => {
      const t = await ticketHeaders(pve);
      const r = await call(pve, 'POST', '/access/ticket', {
        body: { username: pve.user, password: t.ticket },
        token: false,
      });
      expect(data<{ ticket: string }>(r).ticket).toMatch(/^PVE:root@pam:/);
    });

    it('refuses tickets older than 2 hours and tickets after expireTickets()', async () => {
      const t = await ticketHeaders(pve);
      sim.shiftClock(7201, pve.name);
      const old = await call(pve, 'GET', '/nodes', { headers: { cookie: t.cookie } });
      sim.shiftClock(-7201, pve.name);
      expect(old.status).toBe(401);
      expect((await call(pve, 'GET', '/nodes', { headers: { cookie: t.cookie } })).status).toBe(200);
      sim.expireTickets(pve.name);
      const expired = await call(pve, 'GET', '/nodes', { headers: { cookie: t.cookie } });
      expect(expired.status).toBe(401);
      expect(expired.reason).toBe('permission denied - invalid PVE ticket');
      // Renewal with an expired ticket fails too; a fresh login works.
      expect(
        (await call(pve, 'POST', '/access/ticket', { body: { username: pve.user, password: t.ticket }, token: false }))
          .status,
      ).toBe(401);
      const fresh = await ticketHeaders(pve);
      expect((await call(pve, 'GET', '/nodes', { headers: { cookie: fresh.cookie } })).status).toBe(200);
    });

    it('accepts API tokens with "=" or a space after the prefix, splitting on the last "="', async () => {
      const eq = await call(pve, 'GET', '/version', {
        headers: { authorization: `PVEAPIToken=${pve.tokenId}=${pve.tokenSecret}` },
      });
      expect(eq.status).toBe(200);
      const space = await call(pve, 'GET', '/version', {
        headers: { authorization: `PVEAPIToken ${pve.tokenId}=${pve.tokenSecret}` },
      });
      expect(space.status).toBe(200);
      const wrong = await call(pve, 'GET', '/version', {
        headers: { authorization: `PVEAPIToken=${pve.tokenId}=00000000-0000-0000-0000-000000000000` },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toBe('');
      const pbsStyle = await call(pve, 'GET', '/version', {
        headers: { authorization: `PVEAPIToken=${pve.tokenId}:${pve.tokenSecret}` },
      });
      expect(pbsStyle.status).toBe(401);
    });

    it('does not need CSRF with a token, and refuses tokens on POST /access/ticket', async () => {
      const r = await call(pve, 'PUT', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, {
        body: { description: 'by token' },
      });
      expect(r.status).toBe(200);
      const login = await call(pve, 'POST', '/access/ticket', {
        headers: { authorization: `PVEAPIToken=${pve.tokenId}=${pve.tokenSecret}` },
        body: { username: pve.user, password: pve.password },
      });
      expect(login.status).toBe(403);
      expect(login.reason).toBe(`URI '/access/ticket' not available with API token, need proper ticket.`);
    });

    it('gives the audit account 403 "Permission check failed" on power actions', async () => {
      const r = await call(pve, 'POST', `/nodes/${vm.node}/qemu/${vm.vmid}/status/start`, {
        headers: { authorization: `PVEAPIToken=${pve.auditTokenId}=${pve.auditTokenSecret}` },
      });
      expect(r.status).toBe(403);
      expect(r.reason).toBe(`Permission check failed (/vms/${vm.vmid}, VM.PowerMgmt)`);
      const read = await call(pve, 'GET', '/cluster/resources', {
        headers: { authorization: `PVEAPIToken=${pve.auditTokenId}=${pve.auditTokenSecret}` },
      });
      expect(read.status).toBe(200);
    });
  });

  describe('PBS', () => {
    it('accepts PBSAPIToken with ":" before the secret and "=" or a space after the prefix', async () => {
      for (const header of [
        `PBSAPIToken=${pbs.tokenId}:${pbs.tokenSecret}`,
        `PBSAPIToken ${pbs.tokenId}:${pbs.tokenSecret}`,
      ]) {
        const r = await call(pbs, 'GET', '/admin/datastore', { headers: { authorization: header } });
        expect(r.status, header).toBe(200);
      }
      const pveStyle = await call(pbs, 'GET', '/admin/datastore', {
        headers: { authorization: `PBSAPIToken=${pbs.tokenId}=${pbs.tokenSecret}` },
      });
      expect(pveStyle.status).toBe(401);
      expect(pveStyle.ms).toBeGreaterThanOrEqual(DELAY - 5);
      // PBS errors are plain text, not JSON.
      expect(pveStyle.json).toBeUndefined();
      expect(pveStyle.text).toMatch(/^authentication failed/);
    });

    it('logs in with a ticket in the PBS format, reads with PBSAuthCookie, needs CSRF to write', async () => {
      const t = await ticketHeaders(pbs);
      expect(t.ticket).toMatch(/^PBS:root@pam:[0-9A-F]{8}::\S+$/);
      expect((await call(pbs, 'GET', '/admin/datastore', { headers: { cookie: t.cookie } })).status).toBe(200);
      const hostCookie = t.cookie.replace('PBSAuthCookie', '__Host-PBSAuthCookie');
      expect((await call(pbs, 'GET', '/version', { headers: { cookie: hostCookie } })).status).toBe(200);
      const noCsrf = await call(pbs, 'POST', '/admin/datastore/backup/gc', { headers: { cookie: t.cookie } });
      expect(noCsrf.status).toBe(401);
      expect(noCsrf.text).toContain('CSRF');
      const ok = await call(pbs, 'POST', '/admin/datastore/backup/gc', {
        headers: { cookie: t.cookie, csrfpreventiontoken: t.csrf },
      });
      expect(data<string>(ok)).toMatch(
        /^UPID:pbs1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:garbage_collection:backup:root@pam:$/,
      );
    });

    it('a PVE ticket is not a PBS ticket', async () => {
      const t = await ticketHeaders(pve);
      const r = await call(pbs, 'GET', '/admin/datastore', {
        headers: { cookie: `PBSAuthCookie=${encodeURIComponent(t.ticket)}` },
      });
      expect(r.status).toBe(401);
    });
  });
});
