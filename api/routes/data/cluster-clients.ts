import type { Db } from 'mongodb';
import type { Config } from '../../../shared/config.ts';
import type { Logger } from '../../../shared/logger.ts';
import {
  AuthenticationError,
  ConnectionError,
  NodeUnreachableError,
  NotFoundError,
  ParameterError,
  PermissionError,
  ProxmoxClient,
  ProxmoxError,
  TimeoutError,
  TlsPinMismatchError,
} from '../../../shared/proxmox/index.ts';
import {
  getCluster,
  openAuth,
  type RegistryEntry,
  RegistryError,
  type Sealer,
} from '../../../shared/registry/index.ts';
import { openVault, vaultOptionsFromConfig } from '../../../shared/vault/index.ts';
import { DataApiError, notFound } from '../../query/errors.ts';

/**
 * Proxmox clients for the API's live calls (actions, task status, connection tests), one per registered
 * cluster, rebuilt when its registry entry changes. Credentials are opened from the vault only here.
 */
export class ClusterClients {
  private readonly clients = new Map<string, { version: number; client: ProxmoxClient }>();
  private vaultPromise: Promise<Sealer> | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly givenVault?: Sealer,
  ) {}

  vault(): Promise<Sealer> {
    if (this.givenVault) return Promise.resolve(this.givenVault);
    this.vaultPromise ??= openVault(this.db, vaultOptionsFromConfig(this.config)).catch((e) => {
      this.vaultPromise = null;
      throw e;
    });
    return this.vaultPromise;
  }

  async entry(name: string): Promise<RegistryEntry> {
    try {
      return await getCluster(this.db, name);
    } catch (e) {
      if (e instanceof RegistryError && e.code === 'NOT_FOUND') throw notFound('unknown_cluster', e.message);
      if (e instanceof RegistryError) throw new DataApiError(400, 'invalid_name', e.message);
      throw e;
    }
  }

  async client(name: string): Promise<{ entry: RegistryEntry; client: ProxmoxClient }> {
    const entry = await this.entry(name);
    const version = entry.updatedAt.getTime();
    const cached = this.clients.get(name);
    if (cached && cached.version === version) return { entry, client: cached.client };
    if (cached) void cached.client.close().catch(() => {});
    const client = new ProxmoxClient({
      kind: entry.kind,
      host: entry.host,
      port: entry.port,
      fallbackHosts: entry.fallbackHosts,
      ...(entry.fingerprint ? { fingerprint: entry.fingerprint } : {}),
      ...(entry.caPem ? { caPem: entry.caPem } : {}),
      auth: openAuth(await this.vault(), entry),
      timeouts: { connectMs: 5000, headersMs: 20000, bodyMs: 20000 },
      retries: 1,
      logger: this.logger,
    });
    this.clients.set(name, { version, client });
    return { entry, client };
  }

  /** Forget a cluster's client (after it was changed or deleted). */
  drop(name: string): void {
    const c = this.clients.get(name);
    this.clients.delete(name);
    if (c) void c.client.close().catch(() => {});
  }

  async closeAll(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.client.close().catch(() => {})));
  }
}

/**
 * A Proxmox failure as the API reports it: what went wrong on which side, in one sentence. The client's
 * messages name the host and never hold a secret.
 */
export function proxmoxFailure(e: unknown, what: string): DataApiError {
  if (!(e instanceof ProxmoxError))
    return new DataApiError(502, 'proxmox_error', `${what} failed: ${(e as Error).message}`);
  if (e instanceof NotFoundError)
    return new DataApiError(404, 'guest_gone', `${what}: Proxmox says it does not exist (${e.reason ?? e.message}).`);
  if (e instanceof NodeUnreachableError) {
    return new DataApiError(
      503,
      'node_unreachable',
      `${what}: the node is unreachable (offline?): ${e.reason ?? e.message}.`,
    );
  }
  if (e instanceof ParameterError) {
    const detail = Object.entries(e.errors)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ');
    return new DataApiError(
      400,
      'proxmox_refused',
      `${what}: Proxmox refused the parameters${detail ? ` (${detail})` : ''}.`,
    );
  }
  if (e instanceof TlsPinMismatchError) return new DataApiError(502, 'fingerprint_mismatch', e.message);
  if (e instanceof AuthenticationError || e instanceof PermissionError) {
    return new DataApiError(502, 'proxmox_credentials', `${what}: Proxmox refused Strata's credentials: ${e.message}`);
  }
  if (e instanceof ConnectionError || e instanceof TimeoutError) {
    return new DataApiError(503, 'cluster_unreachable', `${what}: ${e.message}`);
  }
  return new DataApiError(502, 'proxmox_error', `${what}: ${e.reason ?? e.message}`);
}
