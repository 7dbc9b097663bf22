import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidateClusterGroups } from '../../api/auth/scope.ts';
import { DEMO_USERS } from '../../shared/local-services/ldap-directory.ts';
import { serveConsole } from '../../web/serve.ts';
import { liveEstate } from '../data-api/live-support.ts';
import { guestLock, guestTemplate } from '../simulator/estate.ts';
import { ensureConsoleBuilt, launchChromium, SCREENSHOTS } from './support.ts';

/**
 * The console in Debian's Chromium against the real API, LDAP, database and the simulated estate (crawled
 * twice by the crawler): login per role, session expiry, dates, search, CSV, a start action followed to its
 * end, a comparison, adding a cluster with fingerprint confirmation, and markup shown as text.
 */
const live = await liveEstate({ preset: 'small', seed: 7 });
const D2 = Math.floor(Date.now() / 1000 / 900) * 900;
const D1 = D2 - 3600;
const MARKUP = '<img src=x onerror=window.__xss=1>web"&<script>window.__xss=2</script>';
let markupUid = '';
let base = '';
let browser: Browser;
let close: () => Promise<void>;

type Row = Record<string, unknown>;
const pw = (uid: string) => DEMO_USERS.find((u) => u.uid === uid)!.password;

beforeAll(async () => {
  ensureConsoleBuilt();
  await live.crawl(D1);
  live.sim.advance(2);
  await live.crawl(D2);
  invalidateClusterGroups(live.db);
  // Proxmox names are host names; the store may still hold anything. Give the guest whose notes hold a
  // <script> a name full of markup too, before the API has read (and cached) the snapshot.
  const g = await live.db.collection('instances').findOne({ date: D2, notes: { $regex: '<script>' } });
  if (!g) throw new Error('the simulated estate has no guest with <script> in its notes');
  markupUid = String(g.uid);
  await live.db.collection('instances').updateOne({ _id: g._id }, { $set: { name: MARKUP } });
  const app = live.build();
  serveConsole(app);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await launchChromium();
  close = async () => {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}, 180_000);

afterAll(async () => {
  await close?.();
});

async function context(opts: { width?: number; height?: number; dark?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: base,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    timezoneId: 'UTC',
    colorScheme: opts.dark ? 'dark' : 'light',
    acceptDownloads: true,
  });
}

/** Opens `target`, is sent to the login, signs in, and lands back on `target`. */
async function signIn(ctx: BrowserContext, user: string, target = '/'): Promise<Page> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && !/401|403|404|409/.test(m.text()) && errors.push(m.text()));
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(target);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(pw(user));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname + u.search === target);
  return page;
}

const apiGet = async (page: Page, p: string) => (await (await page.request.get(p)).json()) as Row;
const rowCount = async (page: Page) => Number(await page.getByTestId('row-count').getAttribute('data-rows'));
const allLoaded = (page: Page) => page.waitForSelector('[data-testid=row-count][data-loaded=true]');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });

describe('the console in a browser', () => {
  it('signs each role in and offers only what the role may do', async () => {
    const expected = { admin: 'admin', operator: 'manage', auditor: 'audit' } as const;
    for (const user of ['admin', 'operator', 'auditor'] as const) {
      const ctx = await context();
      const page = await signIn(ctx, user, `/guests/${encodeURIComponent(markupUid)}`);
      await expect.poll(() => page.getByTestId('role').textContent()).toBe(expected[user]);
      await page.getByTestId('guest-notes').waitFor();
      const adminNav = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' });
      expect(await adminNav.count(), user).toBe(user === 'admin' ? 1 : 0);
      const actions = page.getByRole('group', { name: 'Guest actions' });
      expect(await actions.count(), user).toBe(user === 'auditor' ? 0 : 1);
      if (user === 'auditor') {
        await page.goto('/admin/clusters');
        await page.getByText('Administration needs the admin role.').waitFor();
      }
      if (user === 'admin') {
        await page.goto('/');
        await page.getByTestId('last-crawl').waitFor();
        await page.getByTestId('coverage').waitFor();
        await page.locator('.chart svg').first().waitFor();
        await shot(page, 'dashboard');
      }
      expect((page as Page & { errors?: string[] }).errors).toEqual([]);
      await ctx.close();
    }
  }, 90_000);

  it('refuses a wrong password and, when the session ends, returns to the same view after signing in again', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto('/login');
    await page.getByLabel('User name').fill('auditor');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The user name or password is not right.').waitFor();
    await page.getByLabel('Password').fill(pw('auditor'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByTestId('last-crawl').waitFor();
    await page.waitForLoadState('networkidle');
    // The session ends on the server (as on idle expiry); the next call gets 401.
    const me = await apiGet(page, '/api/v1/auth/me');
    await page.request.post('/api/v1/auth/logout', { headers: { 'x-csrf-token': String(me.csrfToken) } });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Nodes' }).click();
    await page.waitForURL(/\/login\?next=%2Fnodes/);
    expect(await page.getByTestId('login-notice').textContent()).toContain('Your session has ended');
    await page.getByLabel('User name').fill('auditor');
    await page.getByLabel('Password').fill(pw('auditor'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/nodes');
    await allLoaded(page);
    expect(await rowCount(page)).toBeGreaterThan(0);
    await ctx.close();
  }, 60_000);

  it('changes the date with the calendar, and the URL carries it to other pages', async () => {
    const ctx = await context();
    const page = await signIn(ctx, 'auditor', '/guests');
    await allLoaded(page);
    const latestTotal = Number((await apiGet(page, '/api/v1/inventory/instances?limit=1')).total);
    const olderTotal = Number((await apiGet(page, `/api/v1/inventory/instances?limit=1&date=${D1}`)).total);
    expect(await rowCount(page)).toBe(latestTotal);
    await page.getByTestId('date-picker').click();
    const day = new Date(D1 * 1000).toISOString().slice(0, 10);
    await page.locator(`.cal-day[data-day="${day}"]`).click();
    // One snapshot that day is chosen at once; several show their times.
    const time = page.locator(`.cal-times [data-date="${D1}"]`);
    if (await time.count()) await time.click();
    await page.waitForURL((u) => u.searchParams.get('date') === String(D1));
    await allLoaded(page);
    expect(await rowCount(page)).toBe(olderTotal);
    expect(await page.getByTestId('date-picker').textContent()).toContain(
      new Date(D1 * 1000).toISOString().slice(11, 16),
    );
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storages' }).click();
    await page.waitForURL((u) => u.pathname === '/storages' && u.searchParams.get('date') === String(D1));
    // Back to the latest.
    await page.getByTestId('date-picker').click();
    await page.getByRole('button', { name: 'Latest snapshot' }).click();
    await page.waitForURL((u) => u.pathname === '/storages' && !u.searchParams.has('date'));
    await ctx.close();
  }, 60_000);

  it('filters with the search language, sorts, picks columns, chooses clusters and exports what is shown as CSV', async () => {
    const ctx = await context();
    const page = await signIn(ctx, 'auditor', '/guests');
    await allLoaded(page);
    const search = page.getByTestId('search');
    const q = 'status:running type:qemu';
    await search.fill(q);
    const running = Number(
      (await apiGet(page, `/api/v1/inventory/instances?limit=1&q=${encodeURIComponent(q)}`)).total,
    );
    expect(running).toBeGreaterThan(0);
    await expect.poll(() => rowCount(page)).toBe(running);
    await page.waitForURL((u) => u.searchParams.get('q') === q);
    const shown = await page.locator('.vt-rows .vt-row').count();
    expect(shown).toBeGreaterThan(0);
    const statuses = await page.locator('.vt-rows .vt-row .badge').allTextContents();
    expect(new Set(statuses)).toEqual(new Set(['running']));
    // A bad field says so.
    await search.fill('colour:red');
    await page.getByText('Unknown search field "colour"').waitFor();
    await search.fill('');
    // Sort by vmid, descending on the second click.
    await page.getByRole('button', { name: 'Sort by VMID' }).click();
    await page.getByRole('button', { name: 'Sort by VMID' }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'vmid' && u.searchParams.get('order') === 'desc');
    const vmids = (await page.locator('.vt-rows .vt-row [role=cell]:nth-child(2)').allTextContents()).map(Number);
    expect(vmids).toEqual([...vmids].sort((a, b) => b - a));
    // Columns: add Pool, remove Tags.
    await page.locator('details.menu summary').click();
    await page.getByRole('group', { name: 'Columns' }).getByLabel('Pool').check();
    await page.getByRole('group', { name: 'Columns' }).getByLabel('Tags').uncheck();
    await page.locator('details.menu summary').click();
    await page.getByRole('columnheader', { name: 'Sort by Pool' }).waitFor();
    expect(await page.getByRole('columnheader', { name: 'Sort by Tags' }).count()).toBe(0);
    // One cluster only.
    const one = live.sim.clusters[0]!.name;
    await page.getByTestId('cluster-picker').click();
    await page.locator('.check-row', { hasText: one }).getByRole('button', { name: 'only' }).click();
    await page.waitForURL((u) => u.searchParams.get('cluster') === one);
    await allLoaded(page);
    const inOne = Number((await apiGet(page, `/api/v1/inventory/instances?limit=1&cluster=${one}`)).total);
    expect(await rowCount(page)).toBe(inOne);
    await search.fill('-status:running');
    await expect.poll(() => rowCount(page)).toBeLessThan(inOne);
    const wanted = await rowCount(page);
    expect(wanted).toBeGreaterThan(0);
    await shot(page, 'guests');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('Name,VMID,Type,Status,Cluster,Node,vCPUs,Memory (bytes),Disk (bytes),IPs,Pool');
    expect(lines).toHaveLength(wanted + 1);
    expect(lines.slice(1).every((l) => l.includes(`,${one},`))).toBe(true);
    if (lines.some((l) => l.includes('<img'))) {
      expect(csv).toContain(`"${MARKUP.replace(/"/g, '""')}"`);
    }
    await ctx.close();
  }, 90_000);

  it('starts a stopped guest after confirmation and follows the task to its end', async () => {
    const cluster = live.sim.clusters[0]!.name;
    const g = live.sim
      .truth()
      .clusters[0]!.guests.find(
        (x) => x.type === 'qemu' && x.status === 'stopped' && !guestTemplate(x) && !x.ha && !guestLock(x),
      )!;
    const ctx = await context();
    const page = await signIn(ctx, 'operator', '/guests');
    const found = (
      await apiGet(page, `/api/v1/inventory/instances?cluster=${cluster}&q=vmid:${g.vmid}&fields=uid,status`)
    ).items as Row[];
    expect(found[0]?.status).toBe('stopped');
    await page.goto(`/guests/${encodeURIComponent(String(found[0]!.uid))}`);
    await page.locator('[data-action=start]').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Starts the guest.').waitFor();
    await page.keyboard.press('Enter'); // Enter confirms
    const task = page.getByTestId('task');
    await task.waitFor();
    await expect.poll(() => task.getAttribute('class'), { timeout: 20_000 }).toContain('ok');
    expect(await task.textContent()).toContain('Finished: OK');
    expect(live.sim.truth().clusters[0]!.guests.find((x) => x.vmid === g.vmid)?.status).toBe('running');
    // Escape cancels a dialog without acting.
    await page.locator('[data-action=migrate]').click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await ctx.close();
  }, 60_000);

  it('compares two dates: grouped, switchable and filterable', async () => {
    const ctx = await context();
    const page = await signIn(ctx, 'auditor', `/compare?from=${D1}&to=${D2}`);
    const count = page.getByTestId('diff-count');
    await count.waitFor();
    const diff = await apiGet(page, `/api/v1/diff?from=${D1}&to=${D2}`);
    const guests = diff.guests as Record<string, Row[]>;
    const all = Number.parseInt((await count.textContent()) ?? '', 10);
    expect(all).toBeGreaterThan(0);
    const created = guests.created?.length ?? 0;
    const groups = await page
      .locator('details.diff-group')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-group')));
    expect(groups.length).toBeGreaterThan(0);
    if (created > 0) {
      expect(groups).toContain('guests.created');
      expect(await page.locator('[data-group="guests.created"] .diff-rows li').count()).toBe(created);
    }
    // Filter by the title of one row, then switch a group off.
    const title = (await page.locator('.diff-rows li .diff-title').first().textContent())!.trim();
    await page.getByTestId('diff-filter').fill(title);
    await expect.poll(async () => Number.parseInt((await count.textContent()) ?? '', 10)).toBeLessThan(all + 1);
    expect(await page.locator('.diff-rows li .diff-title').first().textContent()).toContain(title);
    await page.waitForURL((u) => u.searchParams.get('q') === title);
    await page.getByTestId('diff-filter').fill('');
    await page.locator('.chips label').first().click();
    await page.waitForURL((u) => (u.searchParams.get('hide') ?? '').length > 0);
    await shot(page, 'compare');
    await ctx.close();
  }, 60_000);

  it('adds a cluster only after its certificate fingerprint is confirmed', async () => {
    const sim = live.sim.clusters[1]!;
    const ctx = await context();
    const page = await signIn(ctx, 'admin', '/admin/clusters');
    await page.getByTestId('clusters-table').waitFor();
    await page.getByRole('button', { name: 'Add cluster' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=name]').fill('added-in-browser');
    await dialog.locator('input[name=host]').fill(sim.host);
    await dialog.locator('input[name=port]').fill(String(sim.port));
    await dialog.locator('input[name=principal]').fill(sim.tokenId);
    await dialog.locator('input[name=secret]').fill(sim.tokenSecret);
    const save = dialog.getByRole('button', { name: 'Save' });
    expect(await save.isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Test connection' }).click();
    const fp = dialog.getByTestId('fingerprint');
    await fp.waitFor();
    expect(await fp.locator('code').textContent()).toBe(sim.fingerprint);
    expect(await save.isDisabled()).toBe(true);
    await dialog.getByTestId('confirm-fingerprint').check();
    await dialog.getByTestId('login-ok').waitFor();
    await shot(page, 'add-cluster');
    await save.click();
    await page.locator('tr[data-cluster="added-in-browser"]').waitFor();
    const stored = (await apiGet(page, '/api/v1/admin/clusters')).items as Row[];
    const added = stored.find((c) => c.name === 'added-in-browser')!;
    expect(String(added.fingerprint).replace(/:/g, '').toUpperCase()).toBe(sim.fingerprint.replace(/:/g, ''));
    expect(JSON.stringify(added)).not.toContain(sim.tokenSecret);
    // Disable it again from the table.
    await page.locator('tr[data-cluster="added-in-browser"]').getByRole('button', { name: 'Disable' }).click();
    await page.locator('tr[data-cluster="added-in-browser"]').getByText('disabled').waitFor();
    await ctx.close();
  }, 60_000);

  it('administers tokens (secret shown once), role bindings, the audit log and a purge preview', async () => {
    const ctx = await context();
    const page = await signIn(ctx, 'admin', '/admin/tokens');
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('browser-report');
    await dialog.getByLabel('Role').selectOption('audit');
    await page.keyboard.press('Enter');
    const secret = (await dialog.getByTestId('token-secret').textContent())!;
    expect(secret).toMatch(/^strata_[0-9a-f]{16}_/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row', { name: /browser-report/ }).waitFor();
    expect(await page.content()).not.toContain(secret);
    // The token works for a script.
    const me = await page.request.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status()).toBe(200);
    await page.goto('/admin/roles');
    await page.getByText('cn=strata-auditors', { exact: false }).first().waitFor();
    await page.goto('/admin/audit');
    await page.getByRole('cell', { name: 'token.create' }).first().waitFor();
    await page.getByLabel('Action').fill('token.create');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(async () => new Set(await page.locator('tbody tr td:nth-child(3)').allTextContents()))
      .toEqual(new Set(['token.create']));
    await page.goto('/admin/purge');
    await page.getByTestId('purge-before').fill('365d');
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const job = page.getByTestId('purge-job');
    await expect.poll(() => job.textContent(), { timeout: 20_000 }).toContain('Would remove 0 snapshots');
    expect(await page.getByRole('button', { name: /Purge 0 snapshots/ }).isDisabled()).toBe(true);
    // The theme toggle forces dark, then light, then follows the system again.
    await page.getByRole('button', { name: /Theme:/ }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await ctx.close();
  }, 60_000);

  it('shows a name and notes full of markup and script as text, and runs none of it', async () => {
    const ctx = await context({ dark: true });
    const page = await signIn(ctx, 'auditor', `/guests/${encodeURIComponent(markupUid)}`);
    const name = page.getByTestId('guest-name');
    await name.waitFor();
    expect(await name.textContent()).toBe(MARKUP);
    expect(await page.locator('h1 img, .notes script, h1 script').count()).toBe(0);
    const notes = await page.getByTestId('guest-notes').textContent();
    expect(notes).toContain('<script>alert(1)</script>');
    await page.goto(`/guests?q=${encodeURIComponent('name:"<img"')}`);
    await allLoaded(page);
    expect(await rowCount(page)).toBe(1);
    expect(await page.locator('.vt-rows a').first().textContent()).toBe(MARKUP);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.goto(`/guests/${encodeURIComponent(markupUid)}`);
    await name.waitFor();
    await shot(page, 'guest-dark');
    await ctx.close();
  }, 60_000);

  it('works at phone width with the menu behind a button', async () => {
    const ctx = await context({ width: 390, height: 844 });
    const page = await signIn(ctx, 'auditor', '/guests');
    await allLoaded(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    expect(await nav.isVisible()).toBe(true);
    await nav.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByTestId('last-crawl').waitFor();
    await shot(page, 'phone');
    await ctx.close();
  }, 60_000);
});
