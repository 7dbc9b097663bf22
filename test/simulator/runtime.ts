import type { IncomingHttpHeaders } from 'node:http';
import type { Semaphore } from '../../shared/semaphore.ts';
import type { AuthRealm, Principal } from './auth.ts';
import type { FaultRegistry } from './faults.ts';
import type { Args } from './http/params.ts';
import type { Router } from './http/router.ts';

export interface ResolvedOptions {
  latencyMs: number;
  jitterMs: number;
  nodeConcurrency: number;
  unauthorizedDelayMs: number;
  autoAdvance: boolean;
  taskDurationMs: number;
  haDelayMs: number;
}

export interface RouteCtx {
  args: Args;
  params: Record<string, string>;
  principal: Principal;
  method: string;
  path: string;
  template: string;
  headers: IncomingHttpHeaders;
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  template: string;
  handler: (ctx: RouteCtx) => unknown;
  /** Reachable without authentication (login, version on PBS). */
  noAuth?: boolean;
  /** API tokens refused (PVE: allowtoken 0). */
  noToken?: boolean;
  /** Privilege needed beyond Audit: [acl path, privilege name] for the 403 message. */
  priv?: (ctx: RouteCtx) => [string, string];
  /** Validate parameters against the vendored PVE schema (default true on PVE). */
  validate?: boolean;
}

/** What the request pipeline needs from one listener (a PVE cluster or a PBS). */
export interface EndpointCore {
  name: string;
  kind: 'pve' | 'pbs';
  realm: AuthRealm;
  router: Router<RouteDef>;
  counts: Map<string, number>;
  semaphores: Map<string, Semaphore>;
  /** Node that answers cluster-wide calls (and 'localhost'). */
  entryNode: string;
  /** Node exists (unknown nodes answer 500 hostname lookup failed on PVE). */
  hasNode(node: string): boolean;
  /** Node is offline (truth or fault): proxied calls answer 595. */
  nodeOffline(node: string): boolean;
  options: ResolvedOptions;
  faults: FaultRegistry;
  /** Hook before each request is handled (autoAdvance). */
  beforeRoute?: (template: string, method: string) => void;
}
