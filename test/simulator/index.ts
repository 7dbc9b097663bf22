/**
 * Proxmox VE / PBS simulator: HTTPS listeners on 127.0.0.1 (one per PVE cluster, one per PBS, optionally one per PVE
 * node) serving a generated
 * estate with Proxmox's response shapes, auth rules, errors, tasks and faults. See README.md in this folder.
 */

import type { Semaphore } from '../../shared/semaphore.ts';
import { advanceEstate } from './advance.ts';
import { AuthRealm } from './auth.ts';
import { makeCertificate, type SimCertificate } from './certs.ts';
import type { EstateTruth, Preset, StorageTruth } from './estate.ts';
import { type Fault, FaultRegistry, type FaultTarget } from './faults.ts';
import { generateEstate } from './generate.ts';
import { createRequestHandler, Listener } from './http/server.ts';
import { pbsRoutes } from './pbs/routes.ts';
import { isPreset } from './presets.ts';
import { ClusterState } from './pve/cluster-state.ts';
import { nodeListeners } from './pve/node-listeners.ts';
import { type PveEnv, pveRoutes } from './pve/routes.ts';
import type { EndpointCore, ResolvedOptions } from './runtime.ts';
import { TaskRegistry } from './tasks.ts';

export type { EstateTruth, Preset } from './estate.ts';
export type { Fault, FaultTarget } from './faults.ts';

export interface SimulatorOptions {
  preset: Preset;
  /** Same seed and preset give the same estate (default 1). */
  seed?: number;
  /** Added to every response (default 0). */
  latencyMs?: number;
  jitterMs?: number;
  /** Per-node bound on concurrent requests, like pveproxy workers (default 4); excess requests queue. */
  nodeConcurrency?: number;
  /** PVE and PBS delay every 401 by 3 s; default 3000, tests pass small values. */
  unauthorizedDelayMs?: number;
  /** Each GET /cluster/resources first advances the estate one step (demo); default false. */
  autoAdvance?: boolean;
  /** How long a task runs before it stops with its exit status (default 300 ms). */
  taskDurationMs?: number;
  /** HA-managed guests change state this long after their hastart/hastop task ends (default 2 x taskDurationMs). */
  haDelayMs?: number;
  /** Certificate key type: 'ec' (P-256, fast, default) or 'rsa' (2048, as PVE's own, about 80 ms each). */
  certKeyType?: 'ec' | 'rsa';
  /** Every PVE node also gets its own listener answering as that node (endpoint.nodePorts); default false. */
  nodeListeners?: boolean;
}

export interface SimEndpoint {
  name: string;
  kind: 'pve' | 'pbs';
  host: '127.0.0.1';
  port: number;
  /** SHA-256 of the DER certificate, uppercase colon hex, as Proxmox shows it. */
  fingerprint: string;
  certPem: string;
  user: string;
  password: string;
  tokenId: string;
  tokenSecret: string;
  /** PVE only (empty for PBS). */
  nodes: string[];
  /** A second account with Audit rights only (power actions and writes answer 403). */
  auditUser: string;
  auditPassword: string;
  auditTokenId: string;
  auditTokenSecret: string;
  /** With `nodeListeners`: each node's own port (same host, certificate, accounts and state as the cluster's). */
  nodePorts?: Record<string, number>;
}

export interface Simulator {
  clusters: SimEndpoint[];
  pbs: SimEndpoint[];
  /** clusters followed by pbs. */
  endpoints: SimEndpoint[];
  /** A deep copy of the current estate, for tests to compare against. */
  truth(): EstateTruth;
  faults: {
    set(target: FaultTarget, fault: Fault): () => void;
    clear(): void;
  };
  /** Existing tickets (of one cluster/PBS, or all) become invalid: 401. */
  expireTickets(cluster?: string): void;
  /** Shifts the clock used for ticket ages (seconds), e.g. 7201 makes every ticket too old. */
  shiftClock(seconds: number, cluster?: string): void;
  /** New self-signed certificate for a cluster or PBS; returns the new fingerprint; open connections are closed. */
  rotateCertificate(cluster: string): Promise<string>;
  /** Requests per endpoint template ('GET /nodes/{node}/qemu/{vmid}/config'), for one cluster/PBS or summed. */
  counts(cluster?: string): Record<string, number>;
  resetCounts(): void;
  /** Time moves on (one hour per step): guests created, deleted, migrated, resized; backups made and pruned. */
  advance(steps?: number): void;
  /** Every 'METHOD /template' a cluster or PBS serves. */
  routes(cluster: string): string[];
  /** Current in-use and queued request slots per node (for concurrency tests). */
  load(cluster: string): Record<string, { active: number; queued: number }>;
  stop(): Promise<void>;
}

interface Running {
  endpoint: SimEndpoint;
  core: EndpointCore;
  listener: Listener;
  /** Per-node listeners of a PVE cluster (empty unless `nodeListeners`). */
  nodeListeners: Map<string, Listener>;
  realm: AuthRealm;
  cert: SimCertificate;
  state?: ClusterState;
  tasks: TaskRegistry;
}

function resolveOptions(opts: SimulatorOptions): ResolvedOptions {
  const num = (name: string, v: number | undefined, def: number, min = 0) => {
    const value = v ?? def;
    if (!Number.isFinite(value) || value < min)
      throw new Error(`simulator option ${name} must be a number >= ${min}, got ${v}`);
    return value;
  };
  const taskDurationMs = num('taskDurationMs', opts.taskDurationMs, 300);
  return {
    latencyMs: num('latencyMs', opts.latencyMs, 0),
    jitterMs: num('jitterMs', opts.jitterMs, 0),
    nodeConcurrency: num('nodeConcurrency', opts.nodeConcurrency, 4, 1),
    unauthorizedDelayMs: num('unauthorizedDelayMs', opts.unauthorizedDelayMs, 3000),
    autoAdvance: opts.autoAdvance === true,
    taskDurationMs,
    haDelayMs: num('haDelayMs', opts.haDelayMs, taskDurationMs * 2),
  };
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  if (!isPreset(String(opts.preset)))
    throw new Error(`unknown simulator preset '${opts.preset}' (tiny, small, medium, large)`);
  const options = resolveOptions(opts);
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed)) throw new Error(`simulator seed must be an integer, got ${seed}`);
  const estate = generateEstate(opts.preset, seed);
  const faults = new FaultRegistry();
  const running = new Map<string, Running>();
  const estateTime = () => estate.time;
  const keyType = opts.certKeyType ?? 'ec';

  const certs = await Promise.all([
    ...estate.clusters.map((c) => makeCertificate(c.nodes[0]?.name ?? c.name, keyType)),
    ...estate.pbs.map((p) => makeCertificate(p.name, keyType)),
  ]);

  const offlineOf = (name: string, node: string) => {
    const set = faults.offlineNodes(name);
    return set.has(node) || set.has('*');
  };
  const advance = (steps = 1) => {
    for (let i = 0; i < steps; i++) {
      advanceEstate(estate, { busy: (cluster, vmid) => running.get(cluster.name)?.state?.tasks.busy(vmid) === true });
    }
    for (const r of running.values()) r.state?.changed();
  };

  const pbsFor = (s: StorageTruth) => {
    if (!s.pbs) return undefined;
    const r = running.get(s.pbs.server);
    const truth = estate.pbs.find((p) => p.name === s.pbs?.server);
    const datastore = truth?.datastores.find((d) => d.store === s.pbs?.datastore);
    if (!r || !truth || !datastore) return undefined;
    return {
      truth,
      datastore,
      host: r.endpoint.host,
      port: r.endpoint.port,
      fingerprint: r.cert.fingerprint,
      reachable: !faults.unreachable(truth.name),
    };
  };

  const makeEndpoint = (
    name: string,
    kind: 'pve' | 'pbs',
    realm: AuthRealm,
    cert: SimCertificate,
    nodes: string[],
  ): SimEndpoint => {
    const root = realm.accounts.get('root@pam')!;
    const auditor = realm.accounts.get('auditor@pve')!;
    const token = realm.tokens.get('root@pam!strata')!;
    const auditToken = realm.tokens.get('auditor@pve!ro')!;
    return {
      name,
      kind,
      host: '127.0.0.1',
      port: 0,
      fingerprint: cert.fingerprint,
      certPem: cert.certPem,
      user: root.userid,
      password: root.password,
      tokenId: token.tokenid,
      tokenSecret: token.secret,
      nodes,
      auditUser: auditor.userid,
      auditPassword: auditor.password,
      auditTokenId: auditToken.tokenid,
      auditTokenSecret: auditToken.secret,
    };
  };

  estate.clusters.forEach((cluster, i) => {
    const cert = certs[i] as SimCertificate;
    const realm = new AuthRealm('PVE');
    const state = new ClusterState(cluster, i, options.taskDurationMs, () => realm.now());
    const entryNode = cluster.nodes[0]?.name ?? 'localhost';
    const name = cluster.name;
    const r: Partial<Running> = { realm, cert, state, tasks: state.tasks };
    const env: PveEnv = {
      state,
      realm,
      options,
      entryNode,
      localNode: entryNode,
      offline: (node) => offlineOf(name, node),
      pbsFor,
      estateTime,
      certificate: () => r.cert as SimCertificate,
    };
    const core: EndpointCore = {
      name,
      kind: 'pve',
      realm,
      router: pveRoutes(env),
      counts: new Map(),
      semaphores: new Map<string, Semaphore>(),
      entryNode,
      hasNode: (node) => state.truth.nodes.some((n) => n.name === node),
      nodeOffline: (node) => offlineOf(name, node) || state.node(node)?.online === false,
      options,
      faults,
      beforeRoute: (template, method) => {
        if (options.autoAdvance && method === 'GET' && template === '/cluster/resources') advance(1);
      },
    };
    r.core = core;
    r.listener = new Listener(
      cert,
      createRequestHandler(core, () => r.listener as Listener),
    );
    r.nodeListeners = opts.nodeListeners ? nodeListeners(core, env, cert) : new Map();
    r.endpoint = makeEndpoint(
      name,
      'pve',
      realm,
      cert,
      cluster.nodes.map((n) => n.name),
    );
    running.set(name, r as Running);
  });

  estate.pbs.forEach((pbs, i) => {
    const cert = certs[estate.clusters.length + i] as SimCertificate;
    const realm = new AuthRealm('PBS');
    const tasks = new TaskRegistry('pbs', options.taskDurationMs, () => realm.now());
    const name = pbs.name;
    const r: Partial<Running> = { realm, cert, tasks, nodeListeners: new Map() };
    const core: EndpointCore = {
      name,
      kind: 'pbs',
      realm,
      router: pbsRoutes({ truth: () => estate.pbs[i]!, realm, tasks, estateTime }),
      counts: new Map(),
      semaphores: new Map<string, Semaphore>(),
      entryNode: name,
      hasNode: () => true,
      nodeOffline: () => false,
      options,
      faults,
    };
    r.core = core;
    r.listener = new Listener(
      cert,
      createRequestHandler(core, () => r.listener as Listener),
    );
    r.endpoint = makeEndpoint(name, 'pbs', realm, cert, []);
    running.set(name, r as Running);
  });

  await Promise.all(
    [...running.values()].map(async (r) => {
      r.endpoint.port = await r.listener.listen();
      if (r.nodeListeners.size === 0) return;
      const ports = await Promise.all([...r.nodeListeners].map(async ([node, l]) => [node, await l.listen()] as const));
      r.endpoint.nodePorts = Object.fromEntries(ports);
    }),
  );
  // An unreachable cluster refuses on every listener; an offline node's own listener refuses too.
  faults.onChange = (name) => {
    const r = running.get(name);
    if (!r) return;
    const cut = faults.unreachable(name);
    r.listener.setUnreachable(cut);
    for (const [node, l] of r.nodeListeners) l.setUnreachable(cut || offlineOf(name, node));
  };

  const pick = (name?: string): Running[] => {
    if (name === undefined) return [...running.values()];
    const r = running.get(name);
    if (!r) throw new Error(`no simulated cluster or PBS named '${name}' (have: ${[...running.keys()].join(', ')})`);
    return [r];
  };

  const all = [...running.values()];
  const clusters = all.filter((r) => r.endpoint.kind === 'pve').map((r) => r.endpoint);
  const pbsEndpoints = all.filter((r) => r.endpoint.kind === 'pbs').map((r) => r.endpoint);
  return {
    clusters,
    pbs: pbsEndpoints,
    endpoints: [...clusters, ...pbsEndpoints],
    truth: () => structuredClone(estate),
    faults: {
      set: (target, fault) => {
        pick(target.cluster);
        return faults.set(target, fault);
      },
      clear: () => faults.clear(),
    },
    expireTickets: (name) => {
      for (const r of pick(name)) r.realm.expireAll();
    },
    shiftClock: (seconds, name) => {
      for (const r of pick(name)) r.realm.clockOffset += seconds;
    },
    rotateCertificate: async (name) => {
      const [r] = pick(name);
      if (!r) throw new Error(`no such cluster ${name}`);
      const cert = await makeCertificate(r.endpoint.kind === 'pve' ? (r.endpoint.nodes[0] ?? name) : name, keyType);
      r.cert = cert;
      r.endpoint.fingerprint = cert.fingerprint;
      r.endpoint.certPem = cert.certPem;
      r.listener.setCertificate(cert);
      for (const l of r.nodeListeners.values()) l.setCertificate(cert);
      return cert.fingerprint;
    },
    counts: (name) => {
      const out: Record<string, number> = {};
      for (const r of pick(name)) for (const [k, v] of r.core.counts) out[k] = (out[k] ?? 0) + v;
      return out;
    },
    resetCounts: () => {
      for (const r of running.values()) r.core.counts.clear();
    },
    advance,
    routes: (name) => [...(pick(name)[0]?.core.router.keys ?? [])],
    load: (name) => {
      const [r] = pick(name);
      const out: Record<string, { active: number; queued: number }> = {};
      for (const [node, sem] of r?.core.semaphores ?? []) out[node] = { active: sem.inUse, queued: sem.queued };
      return out;
    },
    stop: async () => {
      faults.clear();
      for (const r of running.values()) {
        r.state?.stop();
        r.tasks.stop();
      }
      await Promise.all(
        [...running.values()].flatMap((r) => [r.listener, ...r.nodeListeners.values()].map((l) => l.stop())),
      );
    },
  };
}
