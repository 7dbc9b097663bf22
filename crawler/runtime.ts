import os from 'node:os';
import type { Redis } from 'ioredis';
import type { Db, MongoClient } from 'mongodb';
import type { Config } from '../shared/config.ts';
import { connectMongo } from '../shared/db.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { connectRedis, redisReady } from '../shared/redis.ts';
import { ensureRegistryIndexes } from '../shared/registry/registry.ts';
import { ensureIndexes } from '../shared/store/index.ts';
import { openVault, vaultOptionsFromConfig } from '../shared/vault/index.ts';
import type { CrawlerDeps, RunSettings } from './crawl-run.ts';

/** Connections and settings a crawler process (or a CLI command) needs, from the configuration. */

export class SetupError extends Error {
  readonly code = 'SETUP';
}

export function runSettings(config: Config): RunSettings {
  return {
    clusterTimeoutMs: config.STRATA_CLUSTER_TIMEOUT_MS,
    nodeConcurrency: config.STRATA_NODE_CONCURRENCY,
    crawlConcurrency: config.STRATA_CRAWL_CONCURRENCY,
    writeConcurrency: config.STRATA_WRITE_CONCURRENCY,
    leaseMs: config.STRATA_LEASE_MS,
    agentTimeoutMs: config.STRATA_AGENT_TIMEOUT_MS,
    agentRefreshPercent: config.STRATA_AGENT_REFRESH_PERCENT,
  };
}

export function crawlerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

export async function openDb(config: Config): Promise<{ db: Db; client: MongoClient }> {
  if (!config.MONGODB_URI) {
    throw new SetupError(
      'MONGODB_URI is not set: start the services with `strata services up` and export what it prints.',
    );
  }
  return connectMongo(config.MONGODB_URI, config.STRATA_DB_NAME);
}

export function openRedis(config: Config): Redis {
  if (!config.REDIS_URL) {
    throw new SetupError(
      'REDIS_URL is not set: start the services with `strata services up` and export what it prints.',
    );
  }
  return connectRedis(config.REDIS_URL);
}

export interface CrawlerRuntime extends CrawlerDeps {
  close(): Promise<void>;
}

export async function openCrawlerRuntime(
  config: Config,
  logger: Logger = createLogger(config.STRATA_LOG_LEVEL, 'crawler'),
): Promise<CrawlerRuntime> {
  const { db, client } = await openDb(config);
  let redis: Redis | undefined;
  try {
    redis = openRedis(config);
    redis.on('error', () => {}); // failures surface on the commands
    await redisReady(redis);
    await ensureIndexes(db);
    await ensureRegistryIndexes(db);
    const vault = await openVault(db, vaultOptionsFromConfig(config));
    const r = redis;
    return {
      db,
      redis: r,
      vault,
      logger,
      settings: runSettings(config),
      crawlerId: crawlerId(),
      async close() {
        vault.close();
        r.disconnect();
        await client.close();
      },
    };
  } catch (e) {
    redis?.disconnect();
    await client.close();
    throw e;
  }
}
