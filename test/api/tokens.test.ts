import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { services } from '../support/services.ts';
import { bearer, harness, json, loginAs } from './harness.ts';

const h = await harness();
const app = h.build();
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

interface Created {
  token: { id: string; name: string; role: string; group: string | null; status: string; expiresAt: string };
  secret: string;
}

async function create(body: object, authorization: string) {
  const res = await app.request('/api/v1/tokens', json('POST', body, { authorization }));
  expect(res.status).toBe(201);
  return (await res.json()) as Created;
}

describe('API tokens', () => {
  it('are created by an Admin, shown once, listed without secrets and stored only as a hash', async () => {
    const admin = await bearer(h.db, 'admin');
    const made = await create({ name: 'nightly', role: 'audit', expiresInDays: 7 }, admin.authorization);
    expect(made.secret).toMatch(/^strata_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(made.token).toMatchObject({ name: 'nightly', role: 'audit', group: null, status: 'active' });
    expect(Date.parse(made.token.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const list = await app.request('/api/v1/tokens', { headers: { authorization: admin.authorization } });
    const text = await list.text();
    expect(text).toContain(made.token.id);
    expect(text).not.toContain(made.secret.slice(-43));
    const stored = JSON.stringify(await h.db.collection('api_tokens').findOne({ _id: made.token.id as never }));
    expect(stored).not.toContain(made.secret.slice(-43));
    expect(stored).toMatch(/"secretHash":"[0-9a-f]{64}"/);
  });

  it('authenticate as Bearer with their role', async () => {
    const admin = await bearer(h.db, 'admin');
    const { secret } = await create({ name: 'reader', role: 'audit' }, admin.authorization);
    const me = await app.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${secret}` } });
    expect(await me.json()).toMatchObject({
      kind: 'token',
      source: 'token',
      user: 'reader',
      roles: [{ role: 'audit', group: null }],
      csrfToken: null,
    });
    // An audit token cannot manage tokens.
    const refused = await app.request('/api/v1/tokens', { headers: { authorization: `Bearer ${secret}` } });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toEqual({
      code: 'forbidden',
      message: 'This needs the admin role on every cluster (a global grant).',
    });
  });

  it('can only be created by a global Admin (not Manage, not an Admin of one cluster group)', async () => {
    for (const caller of [await bearer(h.db, 'manage'), await bearer(h.db, 'admin', 'eu')]) {
      const res = await app.request(
        '/api/v1/tokens',
        json('POST', { name: 'x', role: 'audit' }, { authorization: caller.authorization }),
      );
      expect(res.status).toBe(403);
    }
  });

  it('stop working at once when revoked, and revocation is audited', async () => {
    const admin = await bearer(h.db, 'admin');
    const { token, secret } = await create({ name: 'short-lived', role: 'admin' }, admin.authorization);
    const auth = { authorization: `Bearer ${secret}` };
    expect((await app.request('/api/v1/tokens', { headers: auth })).status).toBe(200);
    const revoked = await app.request(`/api/v1/tokens/${token.id}`, {
      method: 'DELETE',
      headers: { authorization: admin.authorization },
    });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { status: string }).status).toBe('revoked');
    const after = await app.request('/api/v1/tokens', { headers: auth });
    expect(after.status).toBe(401);
    expect(await errorOf(after)).toEqual({ code: 'token_revoked', message: 'The API token has been revoked.' });
    const missing = await app.request('/api/v1/tokens/0000000000000000', {
      method: 'DELETE',
      headers: { authorization: admin.authorization },
    });
    expect(missing.status).toBe(404);
    const log = await h.db.collection('audit').findOne({ action: 'token.revoke', target: token.id });
    expect(log).toMatchObject({ actor: `token:${admin.id}`, outcome: 'success' });
  });

  it('stop working when expired', async () => {
    const admin = await bearer(h.db, 'admin');
    const { secret } = await create({ name: 'day', role: 'audit', expiresInDays: 1 }, admin.authorization);
    const auth = { authorization: `Bearer ${secret}` };
    expect((await app.request('/api/v1/auth/me', { headers: auth })).status).toBe(200);
    h.clock.offset = 86_400_000 + 1;
    const res = await app.request('/api/v1/auth/me', { headers: auth });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toEqual({ code: 'token_expired', message: 'The API token has expired.' });
    h.clock.offset = 0;
  });

  it('refuse malformed, unknown and tampered tokens, and other schemes', async () => {
    const admin = await bearer(h.db, 'admin');
    const { secret } = await create({ name: 'tamper', role: 'audit' }, admin.authorization);
    const tampered = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    for (const authorization of [
      `Bearer ${tampered}`,
      'Bearer strata_x',
      'Bearer ',
      'Basic YWRtaW46YWRtaW4=',
      `Bearer strata_ffffffffffffffff_${'a'.repeat(43)}`,
    ]) {
      const res = await app.request('/api/v1/auth/me', { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect((await errorOf(res)).code).toBe('invalid_token');
    }
  });

  it('with a scope carry their role only on that cluster group', async () => {
    const admin = await bearer(h.db, 'admin');
    const { secret } = await create({ name: 'eu-ops', role: 'manage', group: 'eu' }, admin.authorization);
    const me = await app.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${secret}` } });
    expect(((await me.json()) as { roles: unknown }).roles).toEqual([{ role: 'manage', group: 'eu' }]);
    // Unscoped admin routes need a global grant.
    expect((await app.request('/api/v1/audit', { headers: { authorization: `Bearer ${secret}` } })).status).toBe(403);
  });

  it('do not need a CSRF token (they are not sent by browsers on their own)', async () => {
    const s = await loginAs(app, 'admin');
    const admin = await bearer(h.db, 'admin');
    // Cookie and bearer together: the bearer token decides, so no CSRF check applies.
    const res = await app.request(
      '/api/v1/tokens',
      json('POST', { name: 'both', role: 'audit' }, { authorization: admin.authorization, cookie: s.cookie }),
    );
    expect(res.status).toBe(201);
  });
});

describe('strata token and strata admin (command line)', () => {
  const env = () => ({
    ...process.env,
    MONGODB_URI: services().mongoUri,
    STRATA_DB_NAME: h.db.databaseName,
    STRATA_LOG_LEVEL: 'silent',
  });
  const strata = (args: string[], extraEnv: Record<string, string> = {}, input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/strata.ts', ...args],
        { env: { ...env(), ...extraEnv }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(input ?? '');
    });

  it('creates, lists and revokes a token whose secret works against the API', async () => {
    const made = await strata([
      'token',
      'create',
      '--name',
      'cli-made',
      '--role',
      'manage',
      '--group',
      'lab',
      '--days',
      '3',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const secret = made.stdout.trim();
    expect(secret).toMatch(/^strata_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const me = await app.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${secret}` } });
    expect(await me.json()).toMatchObject({ user: 'cli-made', roles: [{ role: 'manage', group: 'lab' }] });
    const id = secret.split('_')[1]!;
    const listed = await strata(['token', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\tactive\\tmanage@lab\\tcli-made`));
    expect(listed.stdout).not.toContain(secret.slice(-43));
    const revoked = await strata(['token', 'revoke', '--id', id]);
    expect(revoked.code).toBe(0);
    expect((await app.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
    const bad = await strata(['token', 'create', '--name', 'x', '--role', 'root']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^strata: --role must be one of audit, manage, admin\.\n$/);
    expect(await h.db.collection('audit').countDocuments({ action: 'token.revoke', target: id, actor: /^cli:/ })).toBe(
      1,
    );
  }, 120_000);

  it('creates a break-glass admin from STRATA_ADMIN_PASSWORD or stdin, refusing short passwords', async () => {
    const short = await strata(['admin', 'create', '--user', 'glass1'], { STRATA_ADMIN_PASSWORD: 'short' });
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/at least 12 characters/);
    const fromEnv = await strata(['admin', 'create', '--user', 'glass1'], {
      STRATA_ADMIN_PASSWORD: 'env-password-12345',
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    const fromStdin = await strata(['admin', 'create', '--user', 'glass2'], {}, 'stdin-password-12345\n');
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect((await loginAs(app, 'glass1', 'env-password-12345')).body.source).toBe('local');
    expect((await loginAs(app, 'glass2', 'stdin-password-12345')).body.roles).toEqual([{ role: 'admin', group: null }]);
    const doc = await h.db.collection('local_admins').findOne({ username: 'glass2' });
    expect(doc?.hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(JSON.stringify(doc)).not.toContain('stdin-password');
  }, 120_000);
});
