/** `npm run services`: starts the local services, prints where they are, and stops them on Ctrl-C. */
import { loadConfig } from '../shared/config.ts';
import { startLocalServices } from '../shared/local-services/index.ts';
import { removeState, writeState } from './cli/services-state.ts';
import { runMain } from './run-main.ts';

runMain(async () => {
  const t0 = Date.now();
  const config = loadConfig();
  const services = await startLocalServices(config);
  console.log(`Services ready in ${Date.now() - t0} ms:`);
  for (const s of [services.mongo, services.redis, services.ldap]) console.log(`  ${s.describe}`);
  console.log('Environment for Strata processes:');
  for (const [k, v] of Object.entries(services.env)) console.log(`  export ${k}=${JSON.stringify(v)}`);
  // Recorded so that `strata services down` (another shell, or after `up --detach`) can stop them.
  writeState(config.STRATA_DATA_DIR, { pid: process.pid, startedAt: new Date().toISOString(), env: services.env });
  // A timer keeps the process up even when every service is external (nothing of ours runs to hold it).
  const keepAlive = setInterval(() => {}, 2 ** 30);
  await new Promise<void>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
  await services.stop();
  removeState(config.STRATA_DATA_DIR, process.pid);
});
