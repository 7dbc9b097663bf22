import type { Collection, Db } from 'mongodb';
import type { z } from 'zod';
import type { ProxmoxAuth } from '../proxmox/index.ts';
import { ensureNamedIndexes } from '../store/collections.ts';
import {
  type ClusterInput,
  type ClusterPatch,
  type ClusterView,
  clusterInput,
  clusterName,
  clusterPatch,
  describeIssues,
  type RegistryEntry,
} from './schema.ts';

/**
 * The cluster registry: one document per Proxmox VE cluster or Backup Server in `clusters_registry`, `_id` =
 * name. Secrets are sealed by the vault, bound to (`clusters_registry`, name, field), and only opened to
 * build a client. The crawler reads the registry at every run, so a change is picked up at the next crawl.
 */

export const REGISTRY_COLLECTION = 'clusters_registry';
const DEFAULT_PORTS = { pve: 8006, pbs: 8007 } as const;

export type RegistryErrorCode = 'INVALID' | 'EXISTS' | 'NOT_FOUND';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** What the registry needs of the vault (shared/vault's Vault fits). */
export interface Sealer {
  seal(plaintext: string, binding: { collection: string; id: string; field: string }): unknown;
  open(value: unknown, binding: { collection: string; id: string; field: string }): string;
}

export function registry(db: Db): Collection<RegistryEntry> {
  return db.collection<RegistryEntry>(REGISTRY_COLLECTION);
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new RegistryError('INVALID', describeIssues(r.error));
  return r.data;
}

function binding(name: string, field: 'credentials.secret' | 'credentials.password') {
  return { collection: REGISTRY_COLLECTION, id: name, field };
}

export async function ensureRegistryIndexes(db: Db): Promise<void> {
  await ensureNamedIndexes(db, REGISTRY_COLLECTION, [{ key: { enabled: 1 }, name: 'enabled' }]);
}

export async function addCluster(db: Db, vault: Sealer, input: ClusterInput): Promise<ClusterView> {
  const v = parse(clusterInput, input);
  const now = new Date();
  const entry: RegistryEntry = {
    _id: v.name,
    name: v.name,
    kind: v.kind,
    host: v.host,
    port: v.port ?? DEFAULT_PORTS[v.kind],
    fallbackHosts: v.fallbackHosts,
    credentials: v.tokenId
      ? { type: 'token', tokenId: v.tokenId, secret: vault.seal(v.secret!, binding(v.name, 'credentials.secret')) }
      : {
          type: 'password',
          username: v.username!,
          password: vault.seal(v.password!, binding(v.name, 'credentials.password')),
        },
    groups: v.groups,
    excludeNodes: v.excludeNodes,
    enabled: v.enabled,
    tagNotes: v.tagNotes,
    createdAt: now,
    updatedAt: now,
  };
  if (v.fingerprint) entry.fingerprint = v.fingerprint;
  if (v.caPem) entry.caPem = v.caPem;
  try {
    await registry(db).insertOne(entry);
  } catch (e) {
    if ((e as { code?: number }).code === 11000) {
      throw new RegistryError(
        'EXISTS',
        `A cluster named "${v.name}" is already registered; remove it first or pick another name.`,
      );
    }
    throw e;
  }
  return toView(entry);
}

export async function getCluster(db: Db, name: string): Promise<RegistryEntry> {
  const valid = parse(clusterName, name);
  const entry = await registry(db).findOne({ _id: valid });
  if (!entry)
    throw new RegistryError('NOT_FOUND', `No cluster named "${valid}" is registered (see \`strata cluster list\`).`);
  return entry;
}

export async function updateCluster(db: Db, name: string, patch: ClusterPatch): Promise<ClusterView> {
  const entry = await getCluster(db, name);
  const p = parse(clusterPatch, patch);
  const set: Record<string, unknown> = { updatedAt: new Date() };
  const unset: Record<string, ''> = {};
  for (const [k, val] of Object.entries(p)) {
    if (val === null) unset[k] = '';
    else set[k] = val;
  }
  if (typeof set.fingerprint === 'string') unset.caPem = '';
  if (typeof set.caPem === 'string') unset.fingerprint = '';
  await registry(db).updateOne(
    { _id: entry._id },
    { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
  );
  return toView(await getCluster(db, name));
}

/** Replaces the credentials (token or user + password). */
export async function setCredentials(
  db: Db,
  vault: Sealer,
  name: string,
  creds: { tokenId: string; secret: string } | { username: string; password: string },
): Promise<void> {
  const entry = await getCluster(db, name);
  const v = parse(clusterInput, { name: entry.name, host: entry.host, kind: entry.kind, ...creds });
  const credentials: RegistryEntry['credentials'] = v.tokenId
    ? { type: 'token', tokenId: v.tokenId, secret: vault.seal(v.secret!, binding(entry.name, 'credentials.secret')) }
    : {
        type: 'password',
        username: v.username!,
        password: vault.seal(v.password!, binding(entry.name, 'credentials.password')),
      };
  await registry(db).updateOne({ _id: entry._id }, { $set: { credentials, updatedAt: new Date() } });
}

export async function removeCluster(db: Db, name: string): Promise<void> {
  const valid = parse(clusterName, name);
  const res = await registry(db).deleteOne({ _id: valid });
  if (res.deletedCount !== 1) {
    throw new RegistryError('NOT_FOUND', `No cluster named "${valid}" is registered (see \`strata cluster list\`).`);
  }
}

export async function listEntries(db: Db, opts: { enabledOnly?: boolean } = {}): Promise<RegistryEntry[]> {
  const docs = await registry(db)
    .find(opts.enabledOnly ? { enabled: true } : {})
    .toArray();
  return docs.sort((a, b) => a.name.localeCompare(b.name));
}

export async function listClusters(db: Db): Promise<ClusterView[]> {
  return (await listEntries(db)).map(toView);
}

/** The entry without its secrets: says only whether one is set. */
export function toView(entry: RegistryEntry): ClusterView {
  const { _id, credentials, ...rest } = entry;
  return {
    ...rest,
    credentials:
      credentials.type === 'token'
        ? { type: 'token', tokenId: credentials.tokenId, secretSet: credentials.secret != null }
        : { type: 'password', username: credentials.username, passwordSet: credentials.password != null },
  };
}

/** Opens the sealed secret and returns the client's auth. Only call this to build a client. */
export function openAuth(vault: Sealer, entry: RegistryEntry): ProxmoxAuth {
  const c = entry.credentials;
  return c.type === 'token'
    ? { type: 'token', tokenId: c.tokenId, secret: vault.open(c.secret, binding(entry.name, 'credentials.secret')) }
    : {
        type: 'password',
        username: c.username,
        password: vault.open(c.password, binding(entry.name, 'credentials.password')),
      };
}
