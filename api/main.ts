/**
 * Runs the API on its own: `npx tsx api/main.ts`. MongoDB, Redis and LDAP come from the configuration; any
 * that is unset is started locally (as the demo does), and stopped again on exit.
 */

import { runMain } from '../scripts/run-main.ts';
import { loadConfig } from '../shared/config.ts';
import { connectMongo } from '../shared/db.ts';
import { startLocalServices } from '../shared/local-services/index.ts';
import { createLogger } from '../shared/logger.ts';
import { connectRedis } from '../shared/redis.ts';
import { apiDepsFromConfig } from './deps.ts';
import { startApi } from './server.ts';

runMain(async () => {
  const initial = loadConfig();
  const logger = createLogger(initial.STRATA_LOG_LEVEL, 'strata-api');
  const services = await startLocalServices(initial);
  const config = loadConfig({ ...process.env, ...services.env });
  const { client, db } = await connectMongo(services.mongo.uri, config.STRATA_DB_NAME);
  const redis = connectRedis(services.redis.url);
  const api = await startApi(config, apiDepsFromConfig(config, { db, redis, logger }));
  console.log(`Strata API on ${api.url} (OpenAPI at ${api.url}/api/v1/openapi.json)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  redis.disconnect();
  await client.close();
  await services.stop();
});
