import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CrawlerDeps, RunSettings } from '../../crawler/crawl-run.ts';
import { createLogger } from '../../shared/logger.ts';
import { connectRedis, redisReady } from '../../shared/redis.ts';
import { ensureIndexes } from '../../shared/store/index.ts';
import { openVault, type Vault } from '../../shared/vault/index.ts';
import { onCleanup } from '../support/cleanup.ts';
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
  onCleanup('crawler redis, vault and key folder', () => {
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
  onCleanup('second crawler', () => {
    vault.close();
    redis.disconnect();
  });
  return { ...first, redis, vault, crawlerId };
}

export { registerSimulated as register } from '../simulator/register.ts';
