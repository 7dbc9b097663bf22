import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, json } from '../api/harness.ts';
import { liveEstate } from './live-support.ts';

/**
 * Cluster administration against the simulator (connection tests, fingerprints that must be confirmed,
 * sealed secrets never returned, on-demand crawl requests) and purge in the background, through
 * HyperProxmox's path and Strata's own.
 */
const live = await liveEstate({ preset: 'tiny', seed: 5 });
const app = live.build();
const D1 = Math.floor(Date.now() / 1000 / 900) * 900 - 1800;
const D2 = D1 + 900;
let admin: Record<string, string>;
let manage: Record<string, string>;

beforeAll(async () => {
  await live.crawl(D1);
  live.sim.advance(1);
  await live.crawl(D2);
  admin = { authorization: (await bearer(live.db, 'admin')).authorization };
  manage = { authorization: (await bearer(live.db, 'manage')).authorization };
}, 120_000);

type Row = Record<string, unknown>;
type Answer = { status: number; body: Row & { error?: { code: string; message: string } }; text: string };
async function call(method: string, p: string, body?: unknown, headers = admin): Promise<Answer> {
  const res = await app.request(p, body === undefined ? { method, headers } : json(method, body, headers));
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Answer['body']) : {}, text };
}
const pve = () => live.sim.clusters[0]!;
const pbs = () => live.sim.pbs[0]!;
const token = () => ({ tokenId: pve().tokenId, secret: pve().tokenSecret });

describe('cluster administration', () => {
  it('tests a connection: the fingerprint first, the version only once the fingerprint is confirmed', async () => {
    const bare = await call('POST', '/api/v1/admin/clusters/test', { host: pve().host, port: pve().port, kind: 'pve' });
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({
      fingerprint: pve().fingerprint,
      fingerprintMatches: null,
      version: null,
      authenticated: false,
    });
    const unconfirmed = await call('POST', '/api/v1/admin/clusters/test', {
      host: pve().host,
      port: pve().port,
      kind: 'pve',
      credentials: token(),
    });
    expect(unconfirmed.body).toMatchObject({ authenticated: false, version: null });
    expect(unconfirmed.body.error).toContain('confirm the fingerprint');
    const ok = await call('POST', '/api/v1/admin/clusters/test', {
      host: pve().host,
      port: pve().port,
      kind: 'pve',
      fingerprint: pve().fingerprint.replaceAll(':', '').toLowerCase(),
      credentials: token(),
    });
    expect(ok.body).toMatchObject({
      fingerprintMatches: true,
      authenticated: true,
      version: live.sim.truth().clusters[0]!.version.version,
    });
    const wrongPin = await call('POST', '/api/v1/admin/clusters/test', {
      host: pve().host,
      port: pve().port,
      kind: 'pve',
      fingerprint: pbs().fingerprint,
      credentials: token(),
    });
    expect(wrongPin.body).toMatchObject({ fingerprintMatches: false, authenticated: false });
    const badSecret = await call('POST', '/api/v1/admin/clusters/test', {
      host: pve().host,
      port: pve().port,
      kind: 'pve',
      fingerprint: pve().fingerprint,
      credentials: { tokenId: pve().tokenId, secret: '00000000-0000-0000-0000-000000000000' },
    });
    expect(badSecret.body.authenticated).toBe(false);
    expect(String(badSecret.body.error)).toContain('credentials');
    const closed = await call('POST', '/api/v1/admin/clusters/test', { host: '127.0.0.1', port: 1, kind: 'pve' });
    expect([closed.status, closed.body.error?.code]).toEqual([503, 'cluster_unreachable']);
    expect((await call('POST', '/api/v1/admin/clusters/test', { host: 'x', kind: 'vmware' })).status).toBe(400);
    for (const [body, says] of [
      [{ host: '', kind: 'pve' }, 'host'],
      [{ host: '127.0.0.1', port: 0 }, 'port'],
      [{ host: '127.0.0.1', port: 70000 }, 'port'],
      [{ host: 'https://pve1:8006/', kind: 'pve' }, 'without scheme'],
    ] as const) {
      const bad = await call('POST', '/api/v1/admin/clusters/test', body);
      expect([bad.status, bad.body.error?.message]).toEqual([400, expect.stringContaining(says)]);
    }
  });

  it('adds a cluster only with a confirmed fingerprint, seals the secret and never returns it', async () => {
    const base = {
      name: 'copy',
      kind: 'pve',
      host: pve().host,
      port: pve().port,
      credentials: token(),
      groups: ['lab'],
    };
    const noPin = await call('POST', '/api/v1/admin/clusters', base);
    expect([noPin.status, noPin.body.error?.code]).toEqual([400, 'fingerprint_required']);
    const wrong = await call('POST', '/api/v1/admin/clusters', { ...base, fingerprint: pbs().fingerprint });
    expect([wrong.status, wrong.body.error?.code]).toEqual([409, 'fingerprint_mismatch']);
    expect(wrong.body.error?.message).toContain(pve().fingerprint);
    expect(wrong.body.error?.message).toContain(pbs().fingerprint);
    const created = await call('POST', '/api/v1/admin/clusters', { ...base, fingerprint: pve().fingerprint });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'copy',
      fingerprint: pve().fingerprint,
      groups: ['lab'],
      credentials: { type: 'token', tokenId: pve().tokenId, secretSet: true },
    });
    expect(created.text).not.toContain(pve().tokenSecret);
    const stored = await live.db.collection('clusters_registry').findOne({ _id: 'copy' as never });
    expect(JSON.stringify(stored)).not.toContain(pve().tokenSecret);
    const again = await call('POST', '/api/v1/admin/clusters', { ...base, fingerprint: pve().fingerprint });
    expect([again.status, again.body.error?.code]).toEqual([409, 'cluster_exists']);
    const list = await call('GET', '/api/v1/admin/clusters');
    expect((list.body.items as Row[]).map((c) => c.name)).toContain('copy');
    expect(list.text).not.toContain(pve().tokenSecret);
    for (const bad of [
      { ...base, name: 'bad name', fingerprint: pve().fingerprint },
      { ...base, name: 'x2', credentials: { tokenId: 'nope' } },
      { ...base, name: 'x3', fingerprint: 'zz' },
      { ...base, name: 'x4', host: 'http://x/', fingerprint: pve().fingerprint },
    ]) {
      const r = await call('POST', '/api/v1/admin/clusters', bad);
      expect([JSON.stringify(bad).slice(0, 40), r.status]).toEqual([JSON.stringify(bad).slice(0, 40), 400]);
    }
    expect(
      (await call('POST', '/api/v1/admin/clusters', { ...base, name: 'x5', fingerprint: pve().fingerprint }, manage))
        .status,
    ).toBe(403);
  });

  it('changes a cluster: another certificate must be confirmed; disable, test, crawl, delete', async () => {
    // Pointing it at another server (the PBS listener) brings another certificate.
    const moved = await call('PATCH', '/api/v1/admin/clusters/copy', { port: pbs().port });
    expect([moved.status, moved.body.error?.code]).toEqual([409, 'fingerprint_changed']);
    expect(moved.body.error?.message).toContain(pbs().fingerprint);
    const confirmed = await call('PATCH', '/api/v1/admin/clusters/copy', {
      port: pbs().port,
      fingerprint: pbs().fingerprint,
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ port: pbs().port, fingerprint: pbs().fingerprint });
    const back = await call('PATCH', '/api/v1/admin/clusters/copy', {
      port: pve().port,
      fingerprint: pve().fingerprint,
      credentials: token(),
    });
    expect(back.status).toBe(200);
    expect(back.text).not.toContain(pve().tokenSecret);
    const tested = await call('POST', '/api/v1/admin/clusters/copy/test');
    expect(tested.body).toMatchObject({ authenticated: true, fingerprintMatches: true });

    expect((await call('PATCH', '/api/v1/admin/clusters/copy', { enabled: false })).body.enabled).toBe(false);
    const refused = await call('POST', '/api/v1/admin/clusters/copy/crawl');
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'cluster_disabled']);
    await call('PATCH', '/api/v1/admin/clusters/copy', { enabled: true });
    const crawl = await call('POST', '/api/v1/admin/clusters/copy/crawl');
    expect(crawl.status).toBe(202);
    expect(crawl.body).toMatchObject({ requested: true, cluster: 'copy', state: 'queued' });
    const status = await call('GET', `/api/v1/admin/crawl-requests/${String(crawl.body.id)}`);
    expect(status.body).toMatchObject({ cluster: 'copy', state: 'queued' });
    expect((await call('GET', '/api/v1/admin/crawl-requests/0123456789abcdef')).status).toBe(404);
    // The queue is shared by every test using this Redis: take the request back out.
    for (const item of await live.redis.lrange('strata:crawl:requests', 0, -1)) {
      if (item.includes(String(crawl.body.id))) await live.redis.lrem('strata:crawl:requests', 0, item);
    }
    await live.redis.del('strata:crawl:pending:copy', `strata:crawl:request:${String(crawl.body.id)}`);

    expect((await call('PATCH', '/api/v1/admin/clusters/copy', { password: 'x' })).status).toBe(400);
    expect((await call('PATCH', '/api/v1/admin/clusters/nope', { enabled: false })).status).toBe(404);
    expect((await call('DELETE', '/api/v1/admin/clusters/copy')).status).toBe(204);
    expect((await call('DELETE', '/api/v1/admin/clusters/copy')).status).toBe(404);
    expect((await call('POST', '/api/v1/admin/clusters/copy/crawl')).status).toBe(404);

    const audit = (await call('GET', '/api/v1/audit?limit=500')).body.items as Row[];
    const actions = new Set(audit.map((a) => `${String(a.action)}:${String(a.outcome)}`));
    for (const a of [
      'cluster.add:success',
      'cluster.add:failure',
      'cluster.update:success',
      'cluster.update:failure',
      'cluster.test:success',
      'cluster.crawl:success',
      'cluster.remove:success',
    ]) {
      expect(actions).toContain(a);
    }
    expect(JSON.stringify(audit)).not.toContain(pve().tokenSecret);
  });
});

describe('purge', () => {
  async function finished(jobId: string): Promise<Row> {
    for (let i = 0; i < 200; i++) {
      const r = await call('GET', `/api/v1/admin/purge/${jobId}`);
      if (r.body.status !== 'running') return r.body;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('purge did not finish');
  }

  it('runs a dry run with retention tiers, then HyperProxmox strict purge in the background', async () => {
    const dry = await call('POST', '/api/v1/admin/purge', { keep: '1s:all', dryRun: true });
    expect(dry.status).toBe(202);
    const dj = await finished(String(dry.body.jobId));
    expect(dj).toMatchObject({ status: 'done', dryRun: true, dates: [D1] });
    expect(((await call('GET', '/api/v1/static/dates/all')).body.value as Row[]).length).toBe(2);

    for (const [body, code] of [
      [{ action: 'delete', type: 'strict', date: D2 }, 'invalid_action'],
      [{ action: 'purge', type: 'loose', date: D2 }, 'invalid_type'],
      [{ action: 'purge', type: 'strict', date: 12 }, 'invalid_date'],
    ] as const) {
      const r = await call('POST', '/api/v1/administration/purge', body);
      expect([r.status, r.body.error?.code]).toEqual([400, code]);
    }
    expect((await call('POST', '/api/v1/admin/purge', { keep: 'forever' })).body.error?.code).toBe('invalid_purge');
    expect((await call('POST', '/api/v1/admin/purge', {})).body.error?.code).toBe('invalid_purge');
    expect(
      (await call('POST', '/api/v1/administration/purge', { action: 'purge', type: 'strict', date: D2 }, manage))
        .status,
    ).toBe(403);

    // Fill the cache with the old date first: purge must drop it.
    expect((await call('GET', `/api/v1/static/instances/${D1}`)).status).toBe(200);
    const r = await call('POST', '/api/v1/administration/purge', { action: 'purge', type: 'strict', date: D2 + 3600 });
    expect(r.status).toBe(202);
    expect(r.body.result).toBe('OK');
    const job = await finished(String(r.body.jobId));
    // Everything before the cutoff goes, except the newest complete snapshot.
    expect(job).toMatchObject({ status: 'done', dryRun: false, dates: [D1] });
    expect((job.removed as Record<string, number>).instances).toBeGreaterThan(0);
    expect((await call('GET', '/api/v1/static/dates/all')).body.value).toEqual([{ date: D2 }]);
    expect((await call('GET', `/api/v1/static/instances/${D1}`)).status).toBe(404);
    expect((await call('GET', `/api/v1/diff?from=${D1}`)).status).toBe(404);
    expect((await call('GET', '/api/v1/admin/purge/nothex')).status).toBe(400);
    expect((await call('GET', '/api/v1/admin/purge/0123456789abcdef')).status).toBe(404);
  });
});
