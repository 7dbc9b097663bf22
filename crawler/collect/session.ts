import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from '../../shared/logger.ts';
import type { ApiPath, CallStatsSnapshot, Params, ProxmoxClient } from '../../shared/proxmox/index.ts';

export interface CallOpts {
  /** The node that serves the call: calls are bounded per node. */
  node?: string;
  query?: Params;
  /** Abort the call after this long from when it is sent. */
  timeoutMs?: number;
  /** Use the client without retries (guest-agent calls). */
  agent?: boolean;
}

/** The cluster-wide calls a crawl starts with, all at once (version, status, HA, resources). */
export const CLUSTER_WIDE_CALLS = 4;

/**
 * One cluster's calls during a crawl: every call carries the crawl's abort signal (time budget, lost
 * lease), calls that a node serves are bounded per node, and non-fatal failures become warnings.
 */
export class CrawlSession {
  readonly #nodeLimits = new Map<string, LimitFunction>();
  readonly warnings: string[] = [];
  /** Calls sent per node ('' for cluster-wide calls), for the benchmark's network lower bound. */
  readonly callsByNode = new Map<string, number>();

  constructor(
    readonly client: ProxmoxClient,
    /** A second client without retries, for guest-agent calls (their errors are answers, not glitches). */
    readonly agentClient: ProxmoxClient,
    readonly signal: AbortSignal,
    readonly nodeConcurrency: number,
    readonly logger: Logger,
  ) {}

  private limit(node: string | undefined): LimitFunction | undefined {
    if (!node) return undefined;
    let l = this.#nodeLimits.get(node);
    if (!l) {
      l = pLimit(this.nodeConcurrency);
      this.#nodeLimits.set(node, l);
    }
    return l;
  }

  /**
   * Sizes the client's connection pool to the calls this session can have in flight: its per-node bound
   * for each node it will call. Called once the nodes are known (the cluster-wide round is over by then);
   * until then the pool holds what the cluster-wide round needs.
   */
  sizeForNodes(nodes: number): void {
    this.client.setMaxConcurrentPerHost(Math.max(CLUSTER_WIDE_CALLS, this.nodeConcurrency * nodes));
  }

  /** A GET, bounded by the node's limit when `node` is given. */
  get<T>(path: ApiPath, opts: CallOpts = {}): Promise<T> {
    const client = opts.agent ? this.agentClient : this.client;
    const run = () => {
      // The timeout starts when the call is sent, not while it waits for a slot on its node.
      const signal = opts.timeoutMs ? AbortSignal.any([this.signal, AbortSignal.timeout(opts.timeoutMs)]) : this.signal;
      if (signal !== this.signal) setMaxListeners(0, signal);
      signal.throwIfAborted();
      const key = opts.node ?? '';
      this.callsByNode.set(key, (this.callsByNode.get(key) ?? 0) + 1);
      return client.get<T>(path, opts.query, { signal });
    };
    const limit = this.limit(opts.node);
    return limit ? limit(run) : run();
  }

  /** Like get, but a failure is a warning and yields undefined (the crawl goes on without this piece). */
  async tryGet<T>(what: string, path: ApiPath, opts: CallOpts & { quiet?: boolean } = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(path, opts);
    } catch (e) {
      if (this.signal.aborted) throw this.signal.reason ?? e;
      if (!opts.quiet) this.warn(`${what}: ${(e as Error).message}`);
      return undefined;
    }
  }

  warn(message: string): void {
    if (this.warnings.length < 50) this.warnings.push(message);
    this.logger.warn({ detail: message }, 'crawl warning');
  }

  stats(): CallStatsSnapshot {
    const a = this.client.stats();
    const b = this.agentClient.stats();
    const byEndpoint: Record<string, number> = { ...a.byEndpoint };
    for (const [k, v] of Object.entries(b.byEndpoint)) byEndpoint[k] = (byEndpoint[k] ?? 0) + v;
    return {
      requests: a.requests + b.requests,
      byEndpoint,
      failures: a.failures + b.failures,
      retries: a.retries + b.retries,
      logins: a.logins + b.logins,
      hostSwitches: a.hostSwitches + b.hostSwitches,
      connections: a.connections + b.connections,
    };
  }
}
