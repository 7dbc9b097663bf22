/**
 * The API as the benchmark runs it: its own process (so the load generator does not share its event loop),
 * on the database and Redis given by the environment, listening on a free port that it prints as
 * `listening <port>` on stdout.
 */
import { startApi } from '../../api/server.ts';
import { loadConfig } from '../../shared/config.ts';
import { connectMongo } from '../../shared/db.ts';
import { createLogger } from '../../shared/logger.ts';
import { connectRedis } from '../../shared/redis.ts';

const config = loadConfig({ ...process.env, STRATA_API_PORT: '0', STRATA_LOG_LEVEL: 'error' });
const { client, db } = await connectMongo(config.MONGODB_URI ?? '', config.STRATA_DB_NAME);
const redis = connectRedis(config.REDIS_URL ?? '');
const logger = createLogger('error', 'bench-api');
const api = await startApi(config, { db, redis, config, logger, ldap: null, roleBindings: [] });
process.stdout.write(`listening ${api.port}\n`);
// The benchmark asks for memory figures over IPC (and for a full GC first, when run with --expose-gc).
process.on('message', (m: { type: string; id: number }) => {
  if (m.type === 'gc') (globalThis as { gc?: () => void }).gc?.();
  process.send?.({ id: m.id, ...process.memoryUsage() });
});
const stop = async () => {
  await api.close();
  redis.disconnect();
  await client.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
