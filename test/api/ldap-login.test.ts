import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../api/auth/ldap.ts';
import { createLocalAdmin } from '../../api/auth/local-admin.ts';
import { LDAP_GROUPS } from '../../shared/local-services/ldap-directory.ts';
import { services } from '../support/services.ts';
import {
  addDirectoryUser,
  asDirectoryRoot,
  closedPort,
  cookieOf,
  deleteDirectoryEntry,
  harness,
  json,
  ldapOptions,
  loginAs,
  password,
  setGroupMember,
} from './harness.ts';

const h = await harness();
const app = h.build();
const tag = randomBytes(3).toString('hex');
const login = (a: typeof app, username: string, pw: string) =>
  a.request('/api/v1/auth/login', json('POST', { username, password: pw }));
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('LDAP login', () => {
  it.each([
    ['admin', 'admin'],
    ['operator', 'manage'],
    ['auditor', 'audit'],
  ])('logs %s in with the %s role and an HttpOnly, SameSite=Strict session cookie', async (uid, role) => {
    const res = await login(app, uid, password(uid));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: string; source: string; roles: unknown; csrfToken: string };
    expect(body).toMatchObject({ user: uid, source: 'ldap', roles: [{ role, group: null }] });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^strata_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    const me = await app.request('/api/v1/auth/me', { headers: { cookie: cookieOf(res)! } });
    expect(await me.json()).toMatchObject({
      user: uid,
      kind: 'session',
      roles: [{ role, group: null }],
      csrfToken: body.csrfToken,
    });
    // Only a hash of the id is a Redis key.
    const id = cookieOf(res)!.split('=')[1]!;
    expect(await h.redis.keys(`${h.prefix}*${id}*`)).toEqual([]);
  });

  it('refuses a wrong password, an unknown user and an empty password with the same care', async () => {
    const wrong = await login(app, 'auditor', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toEqual({ code: 'invalid_credentials', message: 'Invalid user name or password.' });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const unknown = await login(app, `nobody-${tag}`, 'whatever-password');
    expect(await errorOf(unknown)).toEqual({ code: 'invalid_credentials', message: 'Invalid user name or password.' });
    const empty = await login(app, 'auditor', '');
    expect(empty.status).toBe(400);
    expect(await errorOf(empty)).toEqual({ code: 'empty_password', message: 'The password must not be empty.' });
  });

  it('never sends an empty password to the directory, even when every server is down', async () => {
    const dead = new LdapDirectory(ldapOptions({ urls: [`ldap://127.0.0.1:${await closedPort()}`] }));
    await expect(dead.authenticate('auditor', '')).rejects.toMatchObject({
      name: 'InvalidCredentialsError',
      reason: 'empty_password',
    });
  });

  it.each(['*', 'admin)(uid=*', '*)(|(uid=*', 'admin*', '\\2a'])(
    'finds no user for the injection attempt %j',
    async (name) => {
      const res = await login(app, name, password('admin'));
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('invalid_credentials');
    },
  );

  it('logs in a user literally named eve*)(x, who has special characters in the name', async () => {
    const uid = `eve*)(x${tag}`;
    await addDirectoryUser(uid, 'eve-password-123', ['strata-auditors']);
    const s = await loginAs(app, uid, 'eve-password-123');
    expect(s.body).toMatchObject({ user: uid, roles: [{ role: 'audit', group: null }] });
    expect((await login(app, 'eve*', 'eve-password-123')).status).toBe(401);
  });

  it('refuses a directory user with no role (403) without counting it as a failed password', async () => {
    const uid = `norole-${tag}`;
    await addDirectoryUser(uid, 'norole-password-1');
    const res = await login(app, uid, 'norole-password-1');
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('no_role');
  });

  it('maps a group bound to a cluster group to a scoped role', async () => {
    const bound = h.build({
      roleBindings: [
        { groupDn: `cn=strata-auditors,${LDAP_GROUPS}`.toLowerCase(), role: 'manage', clusterGroup: 'eu' },
      ],
    });
    const s = await loginAs(bound, 'auditor');
    expect(s.body.roles).toEqual([{ role: 'manage', group: 'eu' }]);
  });

  it('finds groups with a group search when STRATA_LDAP_GROUP_BASE is set', async () => {
    const viaSearch = h.build({ ldap: ldapOptions({ groupBase: LDAP_GROUPS }) });
    const s = await loginAs(viaSearch, 'operator');
    expect(s.body.roles).toEqual([{ role: 'manage', group: null }]);
    const user = await new LdapDirectory(ldapOptions({ groupBase: LDAP_GROUPS })).lookup('admin');
    expect(user?.groups.map((g) => g.toLowerCase())).toEqual([`cn=strata-admins,${LDAP_GROUPS}`.toLowerCase()]);
  });

  it('takes away a role at the next refresh after the user leaves the group, and access when they leave the directory', async () => {
    const uid = `leaver-${tag}`;
    const dn = await addDirectoryUser(uid, 'leaver-password-1', ['strata-admins', 'strata-auditors']);
    const s = await loginAs(app, uid, 'leaver-password-1');
    expect(s.body.roles.map((r) => r.role).sort()).toEqual(['admin', 'audit']);
    const admin = () => app.request('/api/v1/admin/role-bindings', { headers: { cookie: s.cookie } });
    expect((await admin()).status).toBe(200);

    await asDirectoryRoot((c) => setGroupMember(c, 'strata-admins', dn, 'delete'));
    // Before the refresh interval the session still holds the old roles ...
    expect((await admin()).status).toBe(200);
    // ... and after it they are re-read with the service account.
    h.clock.offset += 5 * 60_000 + 1;
    expect((await admin()).status).toBe(403);
    const me = await app.request('/api/v1/auth/me', { headers: { cookie: s.cookie } });
    expect(((await me.json()) as { roles: unknown }).roles).toEqual([{ role: 'audit', group: null }]);

    await deleteDirectoryEntry(dn);
    h.clock.offset += 5 * 60_000 + 1;
    const gone = await app.request('/api/v1/auth/me', { headers: { cookie: s.cookie } });
    expect(gone.status).toBe(401);
    expect(await errorOf(gone)).toEqual({
      code: 'session_revoked',
      message: 'Your account is no longer in the directory.',
    });
    // The session is gone for good.
    const again = await app.request('/api/v1/auth/me', { headers: { cookie: s.cookie } });
    expect((await errorOf(again)).code).toBe('session_expired');
    h.clock.offset = 0;
  });

  it('answers 503 with a clear message when the directory is down, while the break-glass admin still logs in', async () => {
    const down = h.build({ ldap: ldapOptions({ urls: [`ldap://127.0.0.1:${await closedPort()}`] }) });
    const res = await login(down, 'auditor', password('auditor'));
    expect(res.status).toBe(503);
    expect(await errorOf(res)).toEqual({
      code: 'directory_unavailable',
      message: 'The LDAP directory is unreachable, so LDAP users cannot log in now; try again shortly.',
    });
    const name = `breakglass-${tag}`;
    await createLocalAdmin(h.db, name, 'correct horse battery staple');
    const s = await loginAs(down, name, 'correct horse battery staple');
    expect(s.body).toMatchObject({ user: name, source: 'local', roles: [{ role: 'admin', group: null }] });
    expect((await down.request('/api/v1/admin/role-bindings', { headers: { cookie: s.cookie } })).status).toBe(200);
    // A wrong password for a local name is refused locally, never sent on to LDAP.
    const wrong = await login(down, name, 'wrong horse battery staple');
    expect(wrong.status).toBe(401);
  });

  it('fails over to the next server when the first is down', async () => {
    const failover = h.build({
      ldap: ldapOptions({ urls: [`ldap://127.0.0.1:${await closedPort()}`, services().ldap.url] }),
    });
    const s = await loginAs(failover, 'operator');
    expect(s.body.roles).toEqual([{ role: 'manage', group: null }]);
  });

  it('logs in over LDAPS with the configured CA, and refuses an untrusted certificate as unavailable', async () => {
    const l = services().ldap;
    const ca = readFileSync(l.caFile, 'utf8');
    const ldaps = h.build({ ldap: ldapOptions({ urls: [l.ldapsUrl], ca }) });
    expect((await loginAs(ldaps, 'auditor')).body.user).toBe('auditor');
    const untrusted = h.build({ ldap: ldapOptions({ urls: [l.ldapsUrl] }) });
    expect((await login(untrusted, 'auditor', password('auditor'))).status).toBe(503);
  });

  it('logs in with StartTLS on ldap:// with the configured CA', async () => {
    const l = services().ldap;
    const ca = readFileSync(l.caFile, 'utf8');
    const dir = new LdapDirectory(ldapOptions({ urls: [l.url], startTls: true, ca }));
    await expect(dir.authenticate('admin', password('admin'))).resolves.toMatchObject({ username: 'admin' });
    const startTls = h.build({ ldap: ldapOptions({ urls: [l.url], startTls: true, ca }) });
    expect((await loginAs(startTls, 'admin')).body.roles).toEqual([{ role: 'admin', group: null }]);
    const untrusted = new LdapDirectory(ldapOptions({ urls: [l.url], startTls: true }));
    await expect(untrusted.authenticate('admin', password('admin'))).rejects.toMatchObject({
      name: 'DirectoryUnavailableError',
    });
  });

  it('gives up on a server that accepts but never answers after STRATA_LDAP_TIMEOUT_MS, and fails over', async () => {
    const sockets: Socket[] = [];
    const hung = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const hungUrl = `ldap://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const alone = new LdapDirectory(ldapOptions({ urls: [hungUrl], timeoutMs: 300 }));
      await expect(alone.authenticate('admin', password('admin'))).rejects.toMatchObject({
        name: 'DirectoryUnavailableError',
      });
      expect(Date.now() - started).toBeLessThan(3000);
      const withBackup = new LdapDirectory(ldapOptions({ urls: [hungUrl, services().ldap.url], timeoutMs: 300 }));
      await expect(withBackup.authenticate('admin', password('admin'))).resolves.toMatchObject({ username: 'admin' });
    } finally {
      for (const s of sockets) s.destroy();
      hung.close();
    }
  });

  it('answers 503 rather than trusting stale roles when the directory is down at a refresh', async () => {
    const s = await loginAs(app, 'auditor');
    const down = h.build({ ldap: ldapOptions({ urls: [`ldap://127.0.0.1:${await closedPort()}`] }) });
    h.clock.offset += 5 * 60_000 + 1;
    const res = await down.request('/api/v1/auth/me', { headers: { cookie: s.cookie } });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('directory_unavailable');
    // Once the directory answers again, the same session carries on.
    expect((await app.request('/api/v1/auth/me', { headers: { cookie: s.cookie } })).status).toBe(200);
    h.clock.offset = 0;
  });

  it('reports a rejected service account as the directory being unavailable', async () => {
    const bad = new LdapDirectory(ldapOptions({ bindPassword: 'wrong' }));
    await expect(bad.authenticate('admin', password('admin'))).rejects.toThrow(/refused Strata's service account/);
  });
});
