import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configureDataApi } from '../../api/routes/data/data-services.ts';
import { type CrawlerDeps, runCrawl } from '../../crawler/crawl-run.ts';
import { createLogger } from '../../shared/logger.ts';
import { ensureIndexes } from '../../shared/store/index.ts';
import { openVault } from '../../shared/vault/index.ts';
import { harness } from '../api/harness.ts';
import { FAST } from '../crawler/support.ts';
import { type SimEndpoint, type SimulatorOptions, startSimulator } from '../simulator/index.ts';
import { registerSimulated } from '../simulator/register.ts';
import { onCleanup } from '../support/cleanup.ts';

/**
 * An API on a database holding real snapshots: the simulator started, its clusters registered (token
 * credentials, pinned fingerprints), and crawled by the crawler's own run function.
 */
export async function liveEstate(options: SimulatorOptions) {
  const h = await harness();
  await ensureIndexes(h.db);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-data-api-'));
  const vault = await openVault(h.db, { keyFile: path.join(dir, 'master.key') });
  configureDataApi(h.db, { vault, pollMs: 50 });
  const sim = await startSimulator({ unauthorizedDelayMs: 10, taskDurationMs: 200, ...options });
  onCleanup('simulator and vault', async () => {
    await sim.stop();
    vault.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const endpoints: SimEndpoint[] = [...sim.clusters, ...sim.pbs];
  await registerSimulated(h.db, vault, endpoints, { groupPerCluster: true });
  const crawler: CrawlerDeps = {
    db: h.db,
    redis: h.redis,
    vault,
    logger: createLogger('silent'),
    settings: FAST,
    crawlerId: 'data-api-test',
  };
  const crawl = async (date: number) => {
    const snap = await runCrawl(crawler, { date, trigger: 'once' });
    if (snap?.status !== 'complete')
      throw new Error(`crawl ${date} ended ${snap?.status}: ${JSON.stringify(snap?.clusters.map((c) => c.error))}`);
    return snap;
  };
  return { ...h, vault, sim, endpoints, crawl, dir };
}
