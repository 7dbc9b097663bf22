import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLocalAdmin } from '../../api/auth/local-admin.ts';
import { cookieOf, fromAddress, harness, json, loginAs, password } from './harness.ts';

const h = await harness();
const app = h.build();
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const me = (cookie: string) => app.request('/api/v1/auth/me', { headers: { cookie } });

describe('sessions', () => {
  it('end after the idle time, and stay alive while used', async () => {
    const s = await loginAs(app, 'auditor');
    h.clock.offset += 29 * 60_000; // default idle: 30 minutes
    expect((await me(s.cookie)).status).toBe(200);
    h.clock.offset += 29 * 60_000; // used a minute ago: still alive
    expect((await me(s.cookie)).status).toBe(200);
    h.clock.offset += 30 * 60_000 + 1;
    const res = await me(s.cookie);
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toEqual({
      code: 'session_expired',
      message: 'Your session ended after a period of inactivity; log in again.',
    });
    expect(res.headers.get('set-cookie')).toMatch(/strata_session=;/);
    h.clock.offset = 0;
  });

  it('end at the absolute limit however much they are used', async () => {
    const s = await loginAs(app, 'auditor');
    for (let hours = 0; hours < 12 * 60; hours += 20) {
      h.clock.offset = hours * 60_000;
      expect((await me(s.cookie)).status).toBe(200);
    }
    h.clock.offset = 12 * 3_600_000;
    const res = await me(s.cookie);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).message).toBe('Your session reached its maximum length; log in again.');
    h.clock.offset = 0;
  });

  it('disappear from Redis when their time is up (the TTL follows the idle deadline)', async () => {
    const quick = h.build({ auth: { sessionIdleMs: 300 } });
    const s = await loginAs(quick, 'auditor');
    const keys = await h.redis.keys(`${h.prefix}session:*`);
    const ttls = await Promise.all(keys.map((k) => h.redis.pttl(k)));
    expect(ttls.some((t) => t > 0 && t <= 300)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect((await quick.request('/api/v1/auth/me', { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  it('are revoked by logout, which needs the CSRF token', async () => {
    const s = await loginAs(app, 'operator');
    const noToken = await app.request('/api/v1/auth/logout', { method: 'POST', headers: { cookie: s.cookie } });
    expect(noToken.status).toBe(403);
    expect((await errorOf(noToken)).code).toBe('csrf_failed');
    const wrongToken = await app.request('/api/v1/auth/logout', {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': randomBytes(32).toString('base64url') },
    });
    expect(wrongToken.status).toBe(403);
    expect((await me(s.cookie)).status).toBe(200);
    const out = await app.request('/api/v1/auth/logout', {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/strata_session=;.*Max-Age=0/);
    const after = await me(s.cookie);
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe('session_expired');
  });

  it('refuse a cookie-authenticated write without the CSRF token, but not the same write with a bearer token', async () => {
    const s = await loginAs(app, 'admin');
    const body = { name: 'csrf-probe', role: 'audit' };
    const refused = await app.request('/api/v1/tokens', json('POST', body, { cookie: s.cookie }));
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toEqual({
      code: 'csrf_failed',
      message: 'This request needs the X-CSRF-Token header (from GET /api/v1/auth/me).',
    });
    const ok = await app.request('/api/v1/tokens', json('POST', body, { cookie: s.cookie, 'x-csrf-token': s.csrf }));
    expect(ok.status).toBe(201);
  });

  it('refuse writes from another origin, even with the CSRF token', async () => {
    const s = await loginAs(app, 'admin');
    const headers = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    const cross = await app.request('http://strata.test/api/v1/auth/logout', {
      method: 'POST',
      headers: { ...headers, origin: 'https://evil.test' },
    });
    expect(cross.status).toBe(403);
    expect((await errorOf(cross)).code).toBe('origin_refused');
    const login = await app.request(
      'http://strata.test/api/v1/auth/login',
      json('POST', { username: 'admin', password: password('admin') }, { origin: 'null' }),
    );
    expect(login.status).toBe(403);
    const same = await app.request('http://strata.test/api/v1/auth/logout', {
      method: 'POST',
      headers: { ...headers, origin: 'http://strata.test' },
    });
    expect(same.status).toBe(204);
  });

  it('use a Secure cookie under HTTPS', async () => {
    const res = await app.request(
      'https://strata.test/api/v1/auth/login',
      json('POST', { username: 'auditor', password: password('auditor') }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('replace the previous session at a new login', async () => {
    const first = await loginAs(app, 'auditor');
    const res = await app.request(
      '/api/v1/auth/login',
      json('POST', { username: 'operator', password: password('operator') }, { cookie: first.cookie }),
    );
    expect(res.status).toBe(200);
    expect((await me(first.cookie)).status).toBe(401);
    expect((await me(cookieOf(res)!)).status).toBe(200);
  });

  it('of a deleted break-glass admin end at the next refresh', async () => {
    const name = `glass-${randomBytes(3).toString('hex')}`;
    await createLocalAdmin(h.db, name, 'a-long-enough-password');
    const s = await loginAs(app, name, 'a-long-enough-password');
    await h.db.collection('local_admins').deleteOne({ username: name });
    h.clock.offset += 5 * 60_000;
    const res = await me(s.cookie);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('session_revoked');
    h.clock.offset = 0;
  });
});

describe('login throttling', () => {
  it('refuses a user name after 5 failures with 429 and Retry-After, even with the right password', async () => {
    const addr = fromAddress('10.9.0.1');
    const attempt = (pw: string) =>
      app.request('/api/v1/auth/login', json('POST', { username: 'operator', password: pw }), addr);
    for (let i = 0; i < 5; i++) expect((await attempt('wrong-password')).status).toBe(401);
    const res = await attempt(password('operator'));
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(await errorOf(res)).toEqual({
      code: 'too_many_requests',
      message: 'Too many failed logins for this user; try again later.',
    });
    // Another user from another address is not affected.
    const other = await app.request(
      '/api/v1/auth/login',
      json('POST', { username: 'auditor', password: password('auditor') }),
      fromAddress('10.9.0.2'),
    );
    expect(other.status).toBe(200);
  });

  it('refuses an address after 20 failures across user names', async () => {
    const addr = fromAddress('10.9.1.1');
    for (let i = 0; i < 20; i++) {
      const res = await app.request(
        '/api/v1/auth/login',
        json('POST', { username: `spray-${i}`, password: 'x' }),
        addr,
      );
      expect(res.status).toBe(401);
    }
    const res = await app.request(
      '/api/v1/auth/login',
      json('POST', { username: 'admin', password: password('admin') }),
      addr,
    );
    expect(res.status).toBe(429);
    expect((await errorOf(res)).message).toBe('Too many failed logins from this address; try again later.');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('lets the user in again once the window has passed', async () => {
    const quick = h.build({ auth: { loginWindowMs: 300, maxFailuresPerUser: 2 } });
    const addr = fromAddress('10.9.2.1');
    const attempt = (pw: string) =>
      quick.request('/api/v1/auth/login', json('POST', { username: 'admin', password: pw }), addr);
    await attempt('bad');
    await attempt('bad');
    expect((await attempt(password('admin'))).status).toBe(429);
    await new Promise((r) => setTimeout(r, 350));
    expect((await attempt(password('admin'))).status).toBe(200);
  });

  it('takes the client address from X-Forwarded-For only behind a trusted proxy', async () => {
    const { loadConfig } = await import('../../shared/config.ts');
    const config = loadConfig({ STRATA_TRUSTED_PROXIES: '10.0.0.5', STRATA_LOG_LEVEL: 'silent' });
    const proxied = h.build({ config, auth: { maxFailuresPerAddress: 2, maxFailuresPerUser: 100 } });
    const via = (xff: string, peer: string) =>
      proxied.request(
        '/api/v1/auth/login',
        json('POST', { username: `p-${randomBytes(2).toString('hex')}`, password: 'x' }, { 'x-forwarded-for': xff }),
        fromAddress(peer),
      );
    expect((await via('192.0.2.7', '10.0.0.5')).status).toBe(401);
    expect((await via('192.0.2.7', '10.0.0.5')).status).toBe(401);
    expect((await via('192.0.2.7', '10.0.0.5')).status).toBe(429);
    // Another client behind the same proxy is not throttled ...
    expect((await via('192.0.2.8', '10.0.0.5')).status).toBe(401);
    // ... and a client that is not the proxy cannot pick its address with the header.
    expect((await via('192.0.2.9', '10.7.7.7')).status).toBe(401);
    expect((await via('192.0.2.10', '10.7.7.7')).status).toBe(401);
    expect((await via('192.0.2.11', '10.7.7.7')).status).toBe(429);
  });
});
