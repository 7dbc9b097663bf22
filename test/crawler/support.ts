import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';
import { afterAll } from 'vitest';
import type { CrawlerDeps, RunSettings } from '../../crawler/crawl-run.ts';
import { createLogger } from '../../shared/logger.ts';
import { connectRedis, redisReady } from '../../shared/redis.ts';
import { addCluster } from '../../shared/registry/index.ts';
import { ensureIndexes } from '../../shared/store/index.ts';
import { openVault, type Vault } from '../../shared/vault/index.ts';
import type { SimEndpoint } from '../simulator/index.ts';
import { services, testDb } from '../support/services.ts';

/** A crawler's dependencies against the test services, and the simulator's endpoints registered. */

export const FAST: RunSettings = {
  clusterTimeoutMs: 20_000,
  nodeConcurrency: 4,
  crawlConcurrency: 4,
  leaseMs: 3000,
  agentTimeoutMs: 1000,
  agentRefreshPercent: 100,
};

export interface TestCrawler extends CrawlerDeps {
  vault: Vault;
  keyFile: string;
  dbName: string;
}

export async function testCrawler(
  settings: Partial<RunSettings> = {},
  crawlerId = 'test-crawler',
): Promise<TestCrawler> {
  const { db, name } = await testDb();
  await ensureIndexes(db);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-crawl-'));
  const keyFile = path.join(dir, 'master.key');
  const vault = await openVault(db, { keyFile });
  const redis = connectRedis(services().redisUrl);
  redis.on('error', () => {});
  await redisReady(redis);
  afterAll(() => {
    vault.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    db,
    dbName: name,
    redis,
    vault,
    keyFile,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    settings: { ...FAST, ...settings },
    crawlerId,
  };
}

/** A second crawler on the same database (its own Redis connection and vault handle). */
export async function secondCrawler(first: TestCrawler, crawlerId: string): Promise<CrawlerDeps> {
  const redis = connectRedis(services().redisUrl);
  redis.on('error', () => {});
  await redisReady(redis);
  const vault = await openVault(first.db, { keyFile: first.keyFile });
  afterAll(() => {
    vault.close();
    redis.disconnect();
  });
  return { ...first, redis, vault, crawlerId };
}

export async function register(
  db: Db,
  vault: Vault,
  endpoints: SimEndpoint[],
  opts: { password?: boolean; tagNotes?: boolean } = {},
): Promise<void> {
  for (const e of endpoints) {
    await addCluster(db, vault, {
      name: e.name,
      kind: e.kind,
      host: e.host,
      port: e.port,
      fingerprint: e.fingerprint,
      tagNotes: Boolean(opts.tagNotes),
      ...(opts.password ? { username: e.user, password: e.password } : { tokenId: e.tokenId, secret: e.tokenSecret }),
    });
  }
}
