import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrawl } from '../../crawler/crawl-run.ts';
import { isoDate } from '../../shared/reports/format.ts';
import { PURGED_COLLECTIONS } from '../../shared/store/purge.ts';
import { expectedCluster } from '../crawler/expected.ts';
import { register, type TestCrawler, testCrawler } from '../crawler/support.ts';
import type { EstateTruth } from '../simulator/estate.ts';
import { guestName, guestTemplate } from '../simulator/estate.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { services } from '../support/services.ts';
import { parseCsv } from './csv-parse.ts';
import { runCli } from './run-cli.ts';
import { expectedOrphanBackups, expectedOrphanVolumes, guestExpectations, identity, visibleCtime } from './truth.ts';

/**
 * Every `strata purge` and `strata report` form, run as child processes against snapshots crawled from the
 * simulator over HTTPS, with report contents checked against the simulator's own truth.
 */

let sim: Simulator;
let c: TestCrawler;
let env: Record<string, string>;
const truths: EstateTruth[] = [];
const dates: number[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-cli-'));

const csvObjects = (text: string) => {
  const [head, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])) as Record<string, string>);
};

async function crawl(): Promise<number> {
  const truth = sim.truth();
  const date = truth.time;
  const snap = await runCrawl(c, { date, trigger: 'once' });
  expect(snap?.status).toBe('complete');
  truths.push(truth);
  dates.push(date);
  return date;
}

async function cli(args: string[], extraEnv: Record<string, string | undefined> = {}) {
  return runCli(args, { ...env, ...extraEnv });
}

beforeAll(async () => {
  sim = await startSimulator({ preset: 'small', seed: 7, unauthorizedDelayMs: 20, taskDurationMs: 50 });
  c = await testCrawler();
  await register(c.db, c.vault, [...sim.clusters, ...sim.pbs]);
  env = { MONGODB_URI: services().mongoUri, STRATA_DB_NAME: c.dbName };
  await crawl();
  sim.advance(12);
  await crawl();
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('strata report inventory', () => {
  it('has one row per guest with what the simulator holds', async () => {
    const r = await cli(['report', 'inventory', '--format', 'csv']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = csvObjects(r.stdout);
    const truth = truths[1]!;
    const expected = guestExpectations(truth);
    expect(rows.map((x) => x.id).sort()).toEqual(expected.map((e) => e.id).sort());
    for (const e of expected) {
      const row = rows.find((x) => x.id === e.id)!;
      const ec = expectedCluster(truth, truth.clusters.find((x) => x.name === e.cluster)!);
      const eg = ec.guests.find((g) => g.vmid === e.guest.vmid)!;
      expect(row.node, e.id).toBe(e.guest.node);
      expect(row.type).toBe(e.guest.type);
      expect(row.name).toBe(guestName(e.guest));
      expect(row.template).toBe(String(guestTemplate(e.guest)));
      expect(Number(row.vcpus)).toBe(eg.vcpus);
      expect(Number(row.memory_bytes)).toBe(eg.memoryBytes);
      expect(row.tags).toBe(eg.tags.join(';'));
      expect(row.pool).toBe(eg.pool ?? '');
      for (const d of eg.disks) expect(row.disks, e.id).toContain(`${d.key}=${d.volid} (`);
      expect((row.disks ?? '').split('; ').filter(Boolean)).toHaveLength(eg.disks.length);
      expect(row.last_backup, e.id).toBe(e.lastBackup === undefined ? '' : isoDate(e.lastBackup));
      if (e.lastBackup !== undefined) {
        expect(Number(row.last_backup_age_hours)).toBeCloseTo((dates[1]! - e.lastBackup) / 3600, 1);
      }
    }
    // the archetypes are there: a template, a guest with agent IPs
    expect(rows.some((x) => x.template === 'true')).toBe(true);
    expect(rows.some((x) => /\d+\.\d+\.\d+\.\d+/.test(x.ips ?? ''))).toBe(true);
  });

  it('writes the same rows as JSON, self-contained HTML and Markdown', async () => {
    const csv = csvObjects((await cli(['report', 'inventory'])).stdout);
    const json = JSON.parse((await cli(['report', 'inventory', '--format', 'json'])).stdout);
    expect(json.report).toBe('inventory');
    expect(json.sections.guest.map((g: { id: string }) => g.id)).toEqual(csv.map((x) => x.id));
    expect(json.summary.guests).toBe(csv.length);

    const out = path.join(dir, 'inventory.html');
    const html = await cli(['report', 'inventory', '--out', out, '--cluster', 'alpha']);
    expect(html.code).toBe(0);
    expect(html.stderr).toMatch(/wrote inventory report \(html, \d+ guest\)/);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('<!doctype html>')).toBe(true);
    expect(text).not.toMatch(/<script|<link|<img|src=|href=/i);
    expect(text).toContain('<svg');
    const alpha = csv.filter((x) => x.cluster === 'alpha');
    for (const g of alpha) expect(text).toContain(`>${g.id}</td>`);
    expect(text).not.toContain('>bravo/');

    const md = (await cli(['report', 'inventory', '--format', 'md', '--cluster', 'bravo'])).stdout;
    expect(md.split('\n').filter((l) => l.startsWith('| bravo/'))).toHaveLength(
      csv.filter((x) => x.cluster === 'bravo').length,
    );
  });
});

describe('strata report backups', () => {
  it('shows coverage, age, counts and orphaned backups as the truth says', async () => {
    const r = await cli(['report', 'backups', '--max-age-hours', '20', '--format', 'json']);
    expect(r.code).toBe(0);
    const { sections, summary } = JSON.parse(r.stdout);
    const expected = guestExpectations(truths[1]!).filter((e) => !e.template);
    expect(sections.guest).toHaveLength(expected.length);
    for (const e of expected) {
      const row = sections.guest.find((x: { id: string }) => x.id === e.id);
      expect(row, e.id).toBeDefined();
      expect(row.last_backup ?? undefined, e.id).toBe(e.lastBackup);
      expect(row.backups, e.id).toBe(e.backups);
      const covered = e.lastBackup !== undefined && Math.round(((dates[1]! - e.lastBackup) / 3600) * 10) / 10 <= 20;
      expect(row.covered, e.id).toBe(covered);
    }
    expect(summary.covered).toBe(sections.guest.filter((g: { covered: boolean }) => g.covered).length);
    expect(summary['never backed up']).toBe(expected.filter((e) => e.lastBackup === undefined).length);
    // some guests of each kind, so the checks above mean something
    expect(expected.some((e) => e.lastBackup === undefined)).toBe(true);
    expect(sections.guest.some((g: { covered: boolean }) => g.covered)).toBe(true);
    expect(
      sections.guest.some((g: { covered: boolean; last_backup: number | null }) => !g.covered && g.last_backup),
    ).toBe(true);

    const orphans = sections.orphan_backup.map((b: { id: string }) => b.id).sort();
    expect(orphans).toEqual(expectedOrphanBackups(truths[1]!));
    expect(orphans.length).toBeGreaterThan(0);
  });

  it('follows --max-age-hours', async () => {
    const wide = JSON.parse((await cli(['report', 'backups', '--max-age-hours', '50000', '--format', 'json'])).stdout);
    const expected = guestExpectations(truths[1]!).filter((e) => !e.template);
    expect(wide.summary.covered).toBe(expected.filter((e) => e.lastBackup !== undefined).length);
  });
});

describe('strata report orphans', () => {
  it('lists unattached volumes and unused disks', async () => {
    const r = await cli(['report', 'orphans', '--format', 'csv']);
    expect(r.code).toBe(0);
    const rows = csvObjects(r.stdout);
    expect(rows.map((x) => `${x.cluster} ${x.volid} ${x.kind}`).sort()).toEqual(expectedOrphanVolumes(truths[1]!));
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe('strata report capacity', () => {
  it('adds up CPU and memory per cluster and node, and estimates days to full from the history', async () => {
    const r = await cli(['report', 'capacity', '--format', 'json']);
    expect(r.code).toBe(0);
    const { sections } = JSON.parse(r.stdout);
    const truth = truths[1]!;
    for (const ct of truth.clusters) {
      const e = expectedCluster(truth, ct);
      const live = e.guests.filter((g) => !g.template);
      const row = sections.cluster.find((x: { id: string }) => x.id === ct.name);
      expect(row.cpu_physical).toBe(ct.nodes.reduce((s, n) => s + n.cpus, 0));
      expect(row.mem_physical_bytes).toBe(ct.nodes.reduce((s, n) => s + n.maxmem, 0));
      expect(row.cpu_allocated).toBe(live.reduce((s, g) => s + g.vcpus, 0));
      expect(row.mem_allocated_bytes).toBe(live.reduce((s, g) => s + g.memoryBytes, 0));
      expect(row.cpu_overcommit).toBeCloseTo(row.cpu_allocated / row.cpu_physical, 3);
      for (const n of ct.nodes) {
        const nodeRow = sections.node.find((x: { id: string }) => x.id === `${ct.name}/${n.name}`);
        expect(nodeRow.cpu_physical).toBe(n.cpus);
        const onNode = live.filter((g) => g.node === n.name);
        expect(nodeRow.cpu_allocated).toBe(onNode.reduce((s, g) => s + g.vcpus, 0));
      }
      const storageIds = e.storages.map((s) =>
        s.shared ? `${ct.name}/${s.storage}` : `${ct.name}/${s.node}/${s.storage}`,
      );
      const reported = sections.storage
        .filter((s: { cluster: string }) => s.cluster === ct.name)
        .map((s: { id: string }) => s.id);
      expect(reported.sort()).toEqual(storageIds.sort());
    }
    // days to full: free space over the slope through the two snapshots' used bytes
    const before = await c.db.collection('storages').find({ date: dates[0] }).toArray();
    let growing = 0;
    for (const row of sections.storage) {
      expect(row.history_points).toBe(2);
      const old = before.find((s) => `${s.cluster}/${s.shared || !s.node ? '' : `${s.node}/`}${s.storage}` === row.id);
      const slope = (row.used_bytes - old!.usedBytes) / (dates[1]! - dates[0]!);
      if (slope > 0) {
        growing++;
        expect(row.days_to_full).toBeCloseTo((row.total_bytes - row.used_bytes) / slope / 86400, 1);
      } else expect(row.days_to_full).toBeNull();
    }
    expect(growing).toBeGreaterThan(0);
  });
});

describe('strata report changes', () => {
  it('lists the guests created, deleted and migrated between two crawls', async () => {
    const r = await cli(['report', 'changes', '--compare', String(dates[0]), '--format', 'csv']);
    expect(r.code).toBe(0);
    const rows = csvObjects(r.stdout).filter((x) => x.object_type === 'guest');
    const [t1, t2] = [truths[0]!, truths[1]!];
    const ids = (t: EstateTruth) =>
      new Map(t.clusters.flatMap((ct) => ct.guests.map((g) => [identity(ct.name, g), g.node])));
    const [a, b] = [ids(t1), ids(t2)];
    const key = (x: Record<string, string>) => `${x.cluster}/${x.vmid}`;
    const strip = (id: string) => id.split('/').slice(0, 2).join('/');
    const created = [...b.keys()]
      .filter((k) => !a.has(k))
      .map(strip)
      .sort();
    const deleted = [...a.keys()]
      .filter((k) => !b.has(k))
      .map(strip)
      .sort();
    const migrated = [...b]
      .filter(([k, node]) => a.has(k) && a.get(k) !== node)
      .map(([k]) => strip(k))
      .sort();
    expect(
      rows
        .filter((x) => x.change === 'created')
        .map(key)
        .sort(),
    ).toEqual(created);
    expect(
      rows
        .filter((x) => x.change === 'deleted')
        .map(key)
        .sort(),
    ).toEqual(deleted);
    expect(
      rows
        .filter((x) => (x.change ?? '').startsWith('migrated'))
        .map(key)
        .sort(),
    ).toEqual(migrated);
    expect(created.length + deleted.length + migrated.length).toBeGreaterThan(0);
    for (const m of rows.filter((x) => (x.change ?? '').startsWith('migrated')))
      expect(m.node_before).not.toBe(m.node_after);
    // the default compare is the snapshot before --date: the same report
    const again = await cli(['report', 'changes', '--format', 'csv']);
    expect(again.stdout).toBe(r.stdout);
  });
});

describe('bad arguments', () => {
  it.each([
    [['report'], 2, /missing required argument 'kind'/],
    [
      ['report', 'bogus'],
      2,
      /value 'bogus' is invalid for argument 'kind'. Allowed choices are inventory, capacity, changes, backups, orphans/,
    ],
    [['report', 'inventory', '--format', 'xml'], 2, /argument 'xml' is invalid.*csv, json, html, md/],
    [['report', 'inventory', '--date', 'yesterday'], 2, /--date <date>' argument 'yesterday' is invalid/],
    [['report', 'inventory', '--date', '12345'], 1, /^strata: No readable snapshot has date 12345/],
    [['report', 'inventory', '--date', '2001-01-01'], 1, /No readable snapshot at or before the end of 2001-01-01/],
    [['report', 'inventory', '--cluster', 'nope'], 1, /Unknown cluster "nope".*known: alpha, bravo, pbs1/],
    [['report', 'inventory', '--cluster', ','], 2, /give one or more cluster names/],
    [['report', 'inventory', '--max-age-hours', '5'], 2, /--max-age-hours applies to the backups report only/],
    [['report', 'backups', '--max-age-hours', 'soon'], 2, /give a number of hours greater than 0/],
    [['report', 'changes', '--compare', 'last'], 1, /resolves to the same snapshot as --date/],
    [['report', 'changes', '--compare', '3650d'], 1, /No readable snapshot at or before/],
    [['report', 'inventory', '--out', '/nonexistent/dir/x.csv'], 1, /^strata: Cannot write \/nonexistent\/dir\/x\.csv/],
    [['purge'], 2, /give --before or --keep/],
    [['purge', '--before', 'soon'], 2, /"soon" is not a date or a duration/],
    [['purge', '--before', '30'], 2, /"30" is ambiguous/],
    [['purge', '--before', '2999-01-01'], 2, /is in the future/],
    [['purge', '--keep', '1d:monthly'], 2, /kind must be all, hourly, daily or weekly/],
    [['purge', '--keep', '14d:daily,1d:all'], 2, /must reach further back than the tier before it/],
    [['purge', '--keep'], 2, /option '--keep <tiers>' argument missing/],
    [['purge', '--before', '1d', '--bogus'], 2, /unknown option '--bogus'/],
    [['purge', '--before', '1d', '--pause', 'slow'], 2, /--pause must be a number from 0 to 10, got "slow"/],
    [['purge', '--before', '1d', '--pause', '-1'], 2, /--pause must be a number from 0 to 10/],
  ])('strata %j exits %i', async (args, code, message) => {
    const r = await cli(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    if (code === 1) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('needs MONGODB_URI', async () => {
    const r = await cli(['report', 'inventory'], { MONGODB_URI: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^strata: MONGODB_URI is not set/);
  });

  it('leaves no partial file when a report fails', async () => {
    const out = path.join(dir, 'never.csv');
    const r = await cli(['report', 'inventory', '--date', '12345', '--out', out]);
    expect(r.code).toBe(1);
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('strata purge', () => {
  it('--dry-run shows exactly what would go and changes nothing', async () => {
    const before = await c.db.collection('instances').countDocuments({ date: dates[0] });
    const r = await cli(['purge', '--keep', '1h:all', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.dryRun).toBe(true);
    expect(result.removed).toEqual([dates[0]]);
    expect(result.kept).toEqual([dates[1]]);
    for (const name of PURGED_COLLECTIONS) {
      expect(result.details[0].documents[name], name).toBe(
        await c.db.collection(name).countDocuments({ date: dates[0] }),
      );
    }
    expect(result.details[0].documents.instances).toBe(before);
    expect(before).toBeGreaterThan(0);
    expect(await c.db.collection('instances').countDocuments({ date: dates[0] })).toBe(before);

    const human = await cli(['purge', '--keep', '1h:all', '--dry-run', '-v']);
    expect(human.stdout).toContain(`${dates[0]}  ${isoDate(dates[0]!)}  complete`);
    expect(human.stdout).toMatch(
      new RegExp(
        `Dry run: would remove 1 snapshots \\(${dates[0]}\\) and \\d+ documents \\(clusters \\d+, nodes \\d+, instances ${before},`,
      ),
    );
    expect(human.stdout).toMatch(/newest complete snapshot: always kept/);
  });

  it('keeps the running snapshot and the newest complete one while a crawl runs, and logs the purge', async () => {
    sim.advance(12);
    // slow enough that the crawl is still running when the purge (a new process) has done its work
    const undo = sim.faults.set({ cluster: 'alpha', endpoint: 'GET /cluster/resources' }, { latencyMs: 8000 });
    const truth = sim.truth();
    const running = runCrawl(c, { date: truth.time, trigger: 'once' });
    try {
      // wait until the crawl has opened its snapshot and started writing
      for (let i = 0; i < 100 && !(await c.db.collection('snapshots').findOne({ date: truth.time })); i++)
        await sleep(50);
      const before = await c.db.collection('instances').countDocuments({ date: dates[1] });
      const r = await cli(['purge', '--before', '0s', '--json']);
      expect(await c.db.collection('snapshots').findOne({ date: truth.time })).toMatchObject({ status: 'running' });
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.removed).toEqual([dates[0]]);
      expect(result.kept).toEqual([dates[1], truth.time]);
      expect(result.reasons[truth.time]).toMatch(/running/);
      expect(result.reasons[dates[1]!]).toMatch(/newest complete/);
      expect(await c.db.collection('instances').countDocuments({ date: dates[1] })).toBe(before);
      for (const name of [...PURGED_COLLECTIONS, 'snapshots']) {
        expect(await c.db.collection(name).countDocuments({ date: dates[0] }), name).toBe(0);
      }
    } finally {
      undo();
    }
    const snap = await running;
    expect(snap?.status).toBe('complete');
    expect(snap!.totals!.instances).toBe(await c.db.collection('instances').countDocuments({ date: truth.time }));
    truths.push(truth);
    dates.push(truth.time);
    const audit = await c.db.collection('audit').findOne({ action: 'snapshot.purge' });
    expect(audit).toMatchObject({ outcome: 'success', address: 'cli', details: { removed: [dates[0]] } });
  }, 90_000);

  it('thins by retention tiers and reports counts and time; reports on a purged date then fail', async () => {
    const r = await cli(['purge', '--keep', '1h:all,7d:daily']);
    expect(r.code).toBe(0);
    // dates[1] is 12 h older than the newest: in the daily tier, the first (left) of its UTC day, so it stays
    expect(Math.floor(dates[1]! / 86400)).not.toBe(Math.floor(dates[2]! / 86400));
    expect(r.stdout).toMatch(/^Removed 0 snapshots and 0 documents .* in \d+\.\d s; 2 kept\.$/m);
    const strict = await cli(['purge', '--keep', '1h:all']);
    expect(strict.code).toBe(0);
    expect(strict.stdout).toMatch(new RegExp(`^${dates[1]}  ${isoDate(dates[1]!)}  complete  \\d+`, 'm'));
    expect(strict.stdout).toMatch(
      new RegExp(
        `Removed 1 snapshots \\(${dates[1]}\\) and \\d+ documents .* in \\d+\\.\\d s( \\(\\d+\\.\\d s of it paused for readers\\))?; 1 kept\\.`,
      ),
    );
    expect(await c.db.collection('snapshots').distinct('date')).toEqual([dates[2]]);
    const gone = await cli(['report', 'inventory', '--date', String(dates[1])]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/No readable snapshot has date/);
    const again = await cli(['purge', '--keep', '1h:all']);
    expect(again.stdout).toMatch(/Removed 0 snapshots and 0 documents/);
  }, 60_000);
});

it('visibleCtime reads the qemu meta line only', () => {
  const g = truths[0]!.clusters[0]!.guests.find((x) => x.type === 'lxc')!;
  expect(visibleCtime(g)).toBe(0);
});
