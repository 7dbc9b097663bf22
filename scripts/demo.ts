/**
 * `npm start`: Strata on the embedded default. Starts the local services and the simulated estate, registers
 * its clusters (tokens sealed by the vault, certificates pinned), crawls a short history, then runs the crawler
 * on its schedule and the API with the console, until Ctrl-C.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { apiDepsFromConfig } from '../api/deps.ts';
import { startApi } from '../api/server.ts';
import { runCrawl } from '../crawler/crawl-run.ts';
import { startCrawler } from '../crawler/main.ts';
import { openCrawlerRuntime } from '../crawler/runtime.ts';
import { loadConfig } from '../shared/config.ts';
import { connectMongo } from '../shared/db.ts';
import { startLocalServices } from '../shared/local-services/index.ts';
import { DEMO_USERS } from '../shared/local-services/ldap-directory.ts';
import { run } from '../shared/local-services/process.ts';
import { createLogger } from '../shared/logger.ts';
import { connectRedis } from '../shared/redis.ts';
import { addCluster } from '../shared/registry/index.ts';
import type { Preset } from '../test/simulator/index.ts';
import { runMain } from './run-main.ts';

const PRESETS = ['tiny', 'small', 'medium', 'large'];
const HISTORY_STEPS = 4;

runMain(async () => {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'small' },
      port: { type: 'string' },
    },
  });
  if (!PRESETS.includes(values.preset ?? '')) throw new Error(`--preset must be one of ${PRESETS.join(', ')}`);
  const t0 = Date.now();
  const initial = loadConfig();
  const root = new URL('../', import.meta.url).pathname;
  if (!existsSync(path.join(root, 'web/dist/index.html'))) {
    console.log('Building the console (npm run build)...');
    await run(path.join(root, 'node_modules/.bin/vite'), ['build', '--config', path.join(root, 'web/vite.config.ts')]);
  }
  const logger = createLogger(initial.STRATA_LOG_LEVEL === 'info' ? 'warn' : initial.STRATA_LOG_LEVEL, 'strata');
  const services = await startLocalServices(initial);
  const state = mkdtempSync(path.join(os.tmpdir(), 'strata-demo-'));
  const cleanups: (() => Promise<void> | void)[] = [
    () => services.stop(),
    () => rmSync(state, { recursive: true, force: true }),
  ];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    const config = loadConfig({
      STRATA_CRAWL_SCHEDULE: '*/2 * * * *',
      ...process.env,
      ...services.env,
      STRATA_VAULT_KEY_FILE: process.env.STRATA_VAULT_KEY_FILE ?? path.join(state, 'master.key'),
      ...(values.port ? { STRATA_API_PORT: values.port } : {}),
    });
    // The estate's clock starts HISTORY_STEPS hours ago, so its backups and ages match today's crawls.
    process.env.STRATA_SIM_BASE_TIME ??= String(Math.floor(Date.now() / 3_600_000) * 3600 - HISTORY_STEPS * 3600);
    const { startSimulator } = await import('../test/simulator/index.ts');
    const sim = await startSimulator({ preset: values.preset as Preset, unauthorizedDelayMs: 500 });
    cleanups.push(() => sim.stop());

    const crawlerRt = await openCrawlerRuntime(config, logger);
    cleanups.push(() => crawlerRt.close());
    for (const ep of [...sim.clusters, ...sim.pbs]) {
      await addCluster(crawlerRt.db, crawlerRt.vault, {
        name: ep.name,
        kind: ep.kind,
        host: ep.host,
        port: ep.port,
        tokenId: ep.tokenId,
        secret: ep.tokenSecret,
        fingerprint: ep.fingerprint,
        groups: [ep.kind === 'pbs' ? 'backup' : (ep.name.split('-')[0] ?? 'pve')],
      });
    }
    // A short history, an hour apart, so dates, history and comparisons have something to show at once.
    const now = Math.floor(Date.now() / 1000);
    for (let step = HISTORY_STEPS; step >= 0; step--) {
      if (step < HISTORY_STEPS) sim.advance();
      await runCrawl(crawlerRt, { date: now - step * 3600, trigger: 'once', noWait: true });
    }
    // The estate moves on once a minute, half-way between the crawler's minutes, so never during a crawl.
    let mover: NodeJS.Timeout | undefined;
    const start = setTimeout(
      () => {
        sim.advance();
        mover = setInterval(() => sim.advance(), 60_000);
      },
      90_000 - (Date.now() % 60_000),
    );
    cleanups.push(() => {
      clearTimeout(start);
      clearInterval(mover);
    });
    const crawler = await startCrawler(crawlerRt, config);
    cleanups.push(() => crawler.stop());

    const { client, db } = await connectMongo(services.mongo.uri, config.STRATA_DB_NAME);
    const redis = connectRedis(services.redis.url);
    cleanups.push(async () => {
      redis.disconnect();
      await client.close();
    });
    const api = await startApi(config, apiDepsFromConfig(config, { db, redis, logger }));
    cleanups.push(() => api.close());

    console.log(`
Strata is running (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)

  Console and API  ${api.url}/            (OpenAPI: ${api.url}/api/v1/openapi.json)
  Database         ${services.mongo.describe}
  Redis            ${services.redis.describe}
  Directory        ${services.ldap.describe}
  Estate           simulator preset "${values.preset}": ${sim.clusters.length} PVE clusters, ${sim.pbs.length} PBS
                   (${HISTORY_STEPS + 1} snapshots crawled; the crawler runs on "${config.STRATA_CRAWL_SCHEDULE}")

  Log in as ${DEMO_USERS.map((u) => `${u.uid} / ${u.password}`).join(',  ')}

Ctrl-C stops everything and removes its files.`);
    await new Promise<void>((resolve) => {
      process.on('SIGINT', resolve);
      process.on('SIGTERM', resolve);
    });
    console.log('stopping...');
  } finally {
    await stopAll();
  }
});
