import { describe, expect, it } from 'vitest';
import { audit } from '../../api/audit.ts';
import { bearer, fromAddress, harness, json, loginAs, password } from './harness.ts';

const h = await harness();
const app = h.build();

interface Page {
  items: {
    id: string;
    at: string;
    actor: string;
    action: string;
    target: string | null;
    outcome: string;
    address: string;
    details?: Record<string, unknown>;
  }[];
  nextCursor: string | null;
}

describe('audit log', () => {
  it('records successful and failed logins with who, when, from where and the outcome, without the password', async () => {
    const addr = fromAddress('203.0.113.9');
    await app.request('/api/v1/auth/login', json('POST', { username: 'auditor', password: password('auditor') }), addr);
    await app.request('/api/v1/auth/login', json('POST', { username: 'auditor', password: 'Wrong-Secret-Pw' }), addr);
    await app.request('/api/v1/auth/login', json('POST', { username: 'auditor', password: '' }), addr);
    const admin = await bearer(h.db, 'admin');
    const res = await app.request('/api/v1/audit?action=auth.login&actor=ldap:auditor', {
      headers: { authorization: admin.authorization },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    expect(page.items.map((i) => i.outcome)).toEqual(['failure', 'success']);
    expect(page.items[0]).toMatchObject({
      actor: 'ldap:auditor',
      address: '203.0.113.9',
      details: { why: 'wrong password' },
    });
    expect(Date.now() - Date.parse(page.items[1]!.at)).toBeLessThan(60_000);
    const all = JSON.stringify(await h.db.collection('audit').find({}).toArray());
    expect(all).not.toContain('Wrong-Secret-Pw');
    expect(all).not.toContain(password('auditor'));
    const empty = await h.db.collection('audit').findOne({ actor: 'login:auditor', outcome: 'failure' });
    expect(empty?.details).toEqual({ why: 'empty password' });
  });

  it('records changes (token creation) and refused changes', async () => {
    const s = await loginAs(app, 'admin');
    await app.request(
      '/api/v1/tokens',
      json('POST', { name: 'audited', role: 'audit' }, { cookie: s.cookie, 'x-csrf-token': s.csrf }),
    );
    const entry = await h.db.collection('audit').findOne({ action: 'token.create', actor: 'ldap:admin' });
    expect(entry).toMatchObject({ outcome: 'success', details: { name: 'audited', role: 'audit', group: null } });
    const auditor = await bearer(h.db, 'audit');
    await app.request(
      '/api/v1/tokens',
      json('POST', { name: 'nope', role: 'admin' }, { authorization: auditor.authorization }),
    );
    expect(
      await h.db.collection('audit').findOne({ action: 'auth.denied', actor: `token:${auditor.id}` }),
    ).toMatchObject({
      outcome: 'denied',
      details: { method: 'POST', path: '/api/v1/tokens', needed: 'admin' },
    });
  });

  it('drops secret-looking values from details', async () => {
    await audit(h.db, {
      actor: 'x',
      action: 'probe.scrub',
      target: null,
      outcome: 'success',
      address: 'cli',
      details: { password: 'p1', nested: { apiSecret: 's2' }, note: 'kept' },
    });
    const doc = await h.db.collection('audit').findOne({ action: 'probe.scrub' });
    expect(doc?.details).toEqual({ password: '[redacted]', nested: { apiSecret: '[redacted]' }, note: 'kept' });
  });

  it('pages newest first with a cursor and filters by outcome and time', async () => {
    for (let i = 0; i < 7; i++) {
      await audit(h.db, {
        actor: 'pager',
        action: 'probe.page',
        target: String(i),
        outcome: i % 2 ? 'failure' : 'success',
        address: 'cli',
      });
    }
    const admin = await bearer(h.db, 'admin');
    const get = async (q: string) =>
      (await (
        await app.request(`/api/v1/audit?${q}`, { headers: { authorization: admin.authorization } })
      ).json()) as Page;
    const first = await get('actor=pager&limit=3');
    expect(first.items.map((i) => i.target)).toEqual(['6', '5', '4']);
    const second = await get(`actor=pager&limit=3&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.target)).toEqual(['3', '2', '1']);
    const third = await get(`actor=pager&limit=3&cursor=${second.nextCursor}`);
    expect(third.items.map((i) => i.target)).toEqual(['0']);
    expect(third.nextCursor).toBeNull();
    expect((await get('actor=pager&outcome=failure')).items.map((i) => i.target)).toEqual(['5', '3', '1']);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await get(`actor=pager&since=${encodeURIComponent(future)}`)).items).toEqual([]);
    expect((await get(`actor=pager&until=${encodeURIComponent(future)}`)).items).toHaveLength(7);
    const bad = await app.request('/api/v1/audit?since=yesterday', { headers: { authorization: admin.authorization } });
    expect(bad.status).toBe(400);
    const badCursor = await app.request('/api/v1/audit?cursor=zz', { headers: { authorization: admin.authorization } });
    expect(badCursor.status).toBe(400);
  });
});
