import { setMaxListeners } from 'node:events';
import type { Db } from 'mongodb';
import type { Logger } from '../shared/logger.ts';
import { ProxmoxClient, ProxmoxError } from '../shared/proxmox/index.ts';
import { openAuth, type Sealer } from '../shared/registry/registry.ts';
import type { RegistryEntry } from '../shared/registry/schema.ts';
import { countDocuments, emptyCounts, rollupDocuments } from '../shared/store/rollups.ts';
import { registerRun, removeOtherRuns, removeRunDocuments } from '../shared/store/runs.ts';
import type { ClusterDocuments, ClusterOutcome } from '../shared/store/schemas.ts';
import { writeClusterDocuments } from '../shared/store/writer.ts';
import { collectPbs } from './collect/pbs.ts';
import { collectPve } from './collect/pve.ts';
import { CLUSTER_WIDE_CALLS, CrawlSession } from './collect/session.ts';
import type { PreviousState } from './previous.ts';

/**
 * One cluster's crawl for one snapshot date, start to finish: connect, collect, normalise, write, and
 * report the outcome. Never throws: a cluster that is down, slow, refusing credentials or presenting
 * another certificate becomes an outcome with `ok: false` and its error, within its time budget.
 */

export interface CrawlSettings {
  clusterTimeoutMs: number;
  nodeConcurrency: number;
  agentTimeoutMs: number;
  agentRefreshPercent: number;
}

export interface ClusterCrawlDeps {
  db: Db;
  vault: Sealer;
  logger: Logger;
  settings: CrawlSettings;
  previous: PreviousState;
  crawlerId: string;
  /** Sees each cluster's finished session (the benchmark reads its calls per node). */
  onSession?: (cluster: string, session: CrawlSession) => void;
}

export class CrawlBudgetError extends Error {
  readonly code = 'TIME_BUDGET';
  constructor(cluster: string, ms: number) {
    super(`The crawl of ${cluster} did not finish within its time budget of ${ms} ms (STRATA_CLUSTER_TIMEOUT_MS).`);
    this.name = 'CrawlBudgetError';
  }
}

export interface ClusterRun {
  entry: RegistryEntry;
  date: number;
  /** The lease token: stamped on every document this run writes. */
  run: string;
  /** Aborted when the lease is lost. */
  leaseSignal?: AbortSignal;
  /** Throws when the lease is no longer held (checked before each write batch). */
  assertLease?: () => Promise<void>;
  /**
   * Waits for this cluster's turn to write, once its documents are collected; resolves with the function
   * that ends the turn. The run bounds writers apart from collectors, so collection and writing overlap.
   */
  writeTurn?: (signal: AbortSignal) => Promise<() => void>;
}

function clientFor(entry: RegistryEntry, vault: Sealer, logger: Logger, o: { retries: number; connections: number }) {
  return new ProxmoxClient({
    kind: entry.kind,
    host: entry.host,
    port: entry.port,
    fallbackHosts: entry.fallbackHosts,
    ...(entry.fingerprint ? { fingerprint: entry.fingerprint } : {}),
    ...(entry.caPem ? { caPem: entry.caPem } : {}),
    auth: openAuth(vault, entry),
    // Calls for every node go through the API host, which proxies them: the per-node bound is ours.
    maxConcurrentPerHost: o.connections,
    timeouts: { connectMs: 5000, headersMs: 30000, bodyMs: 30000 },
    retries: o.retries,
    logger,
  });
}

function errorText(e: unknown): { error: string; errorCode: string } {
  if (e instanceof ProxmoxError) return { error: e.message, errorCode: e.code };
  if (e instanceof Error) return { error: e.message, errorCode: (e as { code?: string }).code ?? e.name };
  return { error: String(e), errorCode: 'UNKNOWN' };
}

export async function crawlCluster(deps: ClusterCrawlDeps, job: ClusterRun): Promise<ClusterOutcome> {
  const { entry, date } = job;
  const logger = deps.logger.child({ cluster: entry.name, date });
  const started = Date.now();
  const budget = new AbortController();
  const timer = setTimeout(
    () => budget.abort(new CrawlBudgetError(entry.name, deps.settings.clusterTimeoutMs)),
    deps.settings.clusterTimeoutMs,
  );
  const signal = job.leaseSignal ? AbortSignal.any([budget.signal, job.leaseSignal]) : budget.signal;
  // Every call in flight listens on it (hundreds at once on a big cluster).
  setMaxListeners(0, signal);
  const base = {
    name: entry.name,
    kind: entry.kind,
    run: job.run,
    crawler: deps.crawlerId,
  };
  let session: CrawlSession | undefined;
  let wrote = false;
  let endWriteTurn: (() => void) | undefined;
  try {
    if (!entry.fingerprint && !entry.caPem) {
      throw new Error(`${entry.name} has no pinned certificate: run \`strata cluster pin ${entry.name}\`.`);
    }
    // Sized for the cluster-wide round; grown to the cluster's nodes once they are known.
    const client = clientFor(entry, deps.vault, logger, { retries: 2, connections: CLUSTER_WIDE_CALLS });
    // Guest-agent calls are few (a share of the running VMs): a couple of connections do, and fewer TLS handshakes.
    const agentClient = clientFor(entry, deps.vault, logger, { retries: 0, connections: 2 });
    session = new CrawlSession(client, agentClient, signal, deps.settings.nodeConcurrency, logger);
    const s = session;
    const collect = async (): Promise<ClusterDocuments> => {
      if (entry.kind === 'pbs') return collectPbs(s, entry);
      const previous = await deps.previous.forCluster(entry.name, date);
      return collectPve(s, {
        entry,
        date,
        previous,
        previousVolumes: () => deps.previous.volumes(entry.name, previous.date ?? 0),
        agentTimeoutMs: deps.settings.agentTimeoutMs,
        agentRefreshPercent: deps.settings.agentRefreshPercent,
      });
    };
    // The abort wins even when a call ignores the signal.
    const docs = await raceAbort(collect(), signal);
    const collectedAt = Date.now();
    const counts = countDocuments(docs);
    const rollup = entry.kind === 'pve' ? rollupDocuments(docs) : undefined;
    endWriteTurn = await job.writeTurn?.(signal);
    // Registered before the first write, so publication can tell this run's documents from others'; a
    // crawler that died while holding this cluster may have left documents for this date: removed here.
    await registerRun(deps.db, { date, cluster: entry.name, run: job.run, crawler: deps.crawlerId });
    wrote = true;
    await removeOtherRuns(deps.db, date, entry.name, job.run);
    const stamp = { date, run: job.run };
    const write = () =>
      writeClusterDocuments(deps.db, docs, stamp, async () => {
        signal.throwIfAborted();
        await job.assertLease?.();
      });
    await raceAbort(write(), signal);
    const stats = session.stats();
    deps.onSession?.(entry.name, session);
    const outcome: ClusterOutcome = {
      ...base,
      ok: true,
      counts,
      calls: stats.requests,
      callsByEndpoint: stats.byEndpoint,
      durationMs: Date.now() - started,
      ...(rollup ? { rollup } : {}),
      ...(session.warnings.length ? { warnings: session.warnings } : {}),
      finishedAt: new Date(),
    };
    logger.info(
      {
        durationMs: outcome.durationMs,
        collectMs: collectedAt - started,
        writeMs: Date.now() - collectedAt,
        calls: outcome.calls,
        instances: counts.instances,
      },
      'cluster crawled',
    );
    return outcome;
  } catch (e) {
    const reason = signal.aborted ? (signal.reason ?? e) : e;
    const { error, errorCode } = errorText(reason);
    logger.warn({ errorCode, error }, 'cluster crawl failed');
    if (wrote) await removeRunDocuments(deps.db, date, entry.name, job.run).catch(() => {});
    const stats = session?.stats();
    return {
      ...base,
      ok: false,
      error,
      errorCode,
      counts: emptyCounts(),
      calls: stats?.requests ?? 0,
      callsByEndpoint: stats?.byEndpoint ?? {},
      durationMs: Date.now() - started,
      ...(session?.warnings.length ? { warnings: session.warnings } : {}),
      finishedAt: new Date(),
    };
  } finally {
    endWriteTurn?.();
    clearTimeout(timer);
    await Promise.all([session?.client.close(), session?.agentClient.close()]).catch(() => {});
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
