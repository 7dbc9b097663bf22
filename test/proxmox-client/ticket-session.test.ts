import { describe, expect, it } from 'vitest';
import { AuthenticationError, ConnectionError, TicketSession } from '../../shared/proxmox/index.ts';

/** A login function with a controllable clock, recording what it was called with (pure logic, no server). */
function harness(options: { failTicketLogin?: boolean; failRenewWith?: Error } = {}) {
  let clock = 1_000_000;
  let issued = 0;
  const calls: Array<{ username: string; password: string }> = [];
  const session = new TicketSession(
    {
      username: 'root@pam',
      now: () => clock,
      renewAfterMs: 3_600_000,
      maxAgeMs: 6_900_000,
      login: async (username, password) => {
        calls.push({ username, password });
        await new Promise((r) => setTimeout(r, 5));
        if (password.startsWith('PVE:') && options.failRenewWith) throw options.failRenewWith;
        if (password.startsWith('PVE:') && options.failTicketLogin) throw new AuthenticationError('expired');
        issued++;
        return { ticket: `PVE:root@pam:${issued}::sig`, CSRFPreventionToken: `csrf${issued}`, username: 'root@pam' };
      },
    },
    'the-password',
  );
  return { session, calls, advance: (ms: number) => (clock += ms) };
}

describe('ticket session', () => {
  it('shares one login among concurrent callers', async () => {
    const { session, calls } = harness();
    const tickets = await Promise.all(Array.from({ length: 20 }, () => session.get()));
    expect(calls).toHaveLength(1);
    expect(new Set(tickets.map((t) => t.ticket)).size).toBe(1);
    expect(tickets[0]!.csrfToken).toBe('csrf1');
  });

  it('reuses the ticket for an hour, then renews it by passing the current ticket as the password', async () => {
    const { session, calls, advance } = harness();
    const first = await session.get();
    advance(3_599_000);
    expect((await session.get()).ticket).toBe(first.ticket);
    expect(calls).toHaveLength(1);
    advance(2000);
    const renewed = await session.get();
    expect(renewed.ticket).not.toBe(first.ticket);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual({ username: 'root@pam', password: first.ticket });
    expect(session.counts).toEqual({ logins: 1, renewals: 1 });
  });

  it('lets other callers use the still-valid ticket while one renews', async () => {
    const { session, calls, advance } = harness();
    const first = await session.get();
    advance(3_700_000);
    const renewing = session.get();
    const other = await session.get();
    expect(other.ticket).toBe(first.ticket);
    expect((await renewing).ticket).not.toBe(first.ticket);
    expect(calls).toHaveLength(2);
  });

  it('logs in with the password when the ticket is too old to renew', async () => {
    const { session, calls, advance } = harness();
    await session.get();
    advance(7_000_000);
    await session.get();
    expect(calls.map((c) => c.password)).toEqual(['the-password', 'the-password']);
  });

  it('falls back to the password when a renewal is refused', async () => {
    const { session, calls, advance } = harness({ failTicketLogin: true });
    await session.get();
    advance(3_700_000);
    const t = await session.get();
    expect(t.ticket).toBe('PVE:root@pam:2::sig');
    expect(calls.map((c) => c.password.startsWith('PVE:'))).toEqual([false, true, false]);
  });

  it('keeps the valid ticket when a renewal fails for a transient reason', async () => {
    const { session, advance } = harness({ failRenewWith: new ConnectionError('reset', 'ECONNRESET') });
    const first = await session.get();
    advance(3_700_000);
    expect((await session.get()).ticket).toBe(first.ticket);
  });

  it('logs in again after invalidate, once for all callers, and ignores stale invalidations', async () => {
    const { session, calls } = harness();
    const first = await session.get();
    session.invalidate(first.ticket);
    const again = await Promise.all([session.get(), session.get(), session.get()]);
    expect(calls).toHaveLength(2);
    expect(new Set(again.map((t) => t.ticket))).toEqual(new Set(['PVE:root@pam:2::sig']));
    session.invalidate(first.ticket);
    await session.get();
    expect(calls).toHaveLength(2);
  });
});
