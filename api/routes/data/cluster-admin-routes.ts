import { createRoute, z } from '@hono/zod-openapi';
import { crawlRequestStatus, requestCrawl } from '../../../shared/crawl-requests.ts';
import {
  DEFAULT_PORT,
  fetchFingerprint,
  fingerprintsEqual,
  ProxmoxClient,
  type ProxmoxKind,
} from '../../../shared/proxmox/index.ts';
import {
  addCluster,
  type ClusterView,
  fingerprint as fingerprintSchema,
  host as hostSchema,
  listClusters,
  openAuth,
  RegistryError,
  removeCluster,
  setCredentials,
  updateCluster,
} from '../../../shared/registry/index.ts';
import { audit } from '../../audit.ts';
import { invalidateClusterGroups } from '../../auth/scope.ts';
import { clientAddress } from '../../client-address.ts';
import { type AppContext, principalOf } from '../../context.ts';
import { badRequest, conflict, DataApiError, notFound } from '../../query/errors.ts';
import { parseClusterName } from '../../query/params.ts';
import { clusterParam, defineRoute } from '../../routing.ts';
import { proxmoxFailure } from './cluster-clients.ts';
import { dataServices } from './data-services.ts';
import { jsonContent } from './schemas.ts';

/**
 * Cluster administration (Admin): the registry of clusters with sealed secrets that are never returned (a
 * response says only whether one is set), connection tests that report the server's version and certificate
 * fingerprint, and on-demand crawls. A fingerprint is stored only when the caller sends it: a new one, or a
 * host change that brings another certificate, must be confirmed by sending the fingerprint back; when the
 * server presents another certificate than the one sent, the answer is 409 with both fingerprints.
 */

const Credentials = z.union([
  z.object({ tokenId: z.string(), secret: z.string() }).strict(),
  z.object({ username: z.string(), password: z.string() }).strict(),
]);

const ClusterBody = z
  .object({
    name: z.string(),
    kind: z.enum(['pve', 'pbs']).default('pve'),
    host: z.string(),
    port: z.number().int().optional(),
    fallbackHosts: z.array(z.string()).optional(),
    credentials: Credentials,
    fingerprint: z.string().optional(),
    caPem: z.string().optional(),
    groups: z.array(z.string()).optional(),
    excludeNodes: z.array(z.string()).optional(),
    enabled: z.boolean().optional(),
    tagNotes: z.boolean().optional(),
  })
  .strict()
  .openapi('ClusterCreate');

const ClusterPatchBody = z
  .object({
    host: z.string().optional(),
    port: z.number().int().optional(),
    fallbackHosts: z.array(z.string()).optional(),
    credentials: Credentials.optional(),
    fingerprint: z.string().nullable().optional(),
    caPem: z.string().nullable().optional(),
    groups: z.array(z.string()).optional(),
    excludeNodes: z.array(z.string()).optional(),
    enabled: z.boolean().optional(),
    tagNotes: z.boolean().optional(),
  })
  .strict()
  .openapi('ClusterPatch');

const TestBody = z
  .object({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).optional(),
    kind: z.enum(['pve', 'pbs']).default('pve'),
    credentials: Credentials.optional(),
    fingerprint: z.string().optional(),
  })
  .strict()
  .openapi('ClusterTest');

const ClusterSchema = z.record(z.string(), z.unknown()).openapi('Cluster', {
  description:
    'A registry entry: name, kind, host, port, fallbackHosts, fingerprint, groups, excludeNodes, enabled, tagNotes, credentials {type, tokenId?, username?, secretSet}.',
});

const TestResult = z
  .object({
    fingerprint: z.string(),
    fingerprintMatches: z.boolean().nullable(),
    version: z.string().nullable(),
    release: z.string().nullable(),
    authenticated: z.boolean(),
    certificate: z.record(z.string(), z.unknown()),
    error: z.string().optional(),
  })
  .openapi('ClusterTestResult');

/** The view with the contract's credential shape: no secret, only whether one is set. */
function view(v: ClusterView) {
  const c = v.credentials;
  return {
    ...v,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
    credentials:
      c.type === 'token'
        ? { type: c.type, tokenId: c.tokenId, secretSet: c.secretSet }
        : { type: c.type, username: c.username, secretSet: c.passwordSet },
  };
}

async function parseJson<T extends z.ZodType>(c: AppContext, schema: T): Promise<z.output<T>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw badRequest('invalid_body', 'The request body must be JSON.');
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw badRequest(
      'invalid_body',
      `Invalid body${i?.path.length ? `.${i.path.join('.')}` : ''}: ${i?.message ?? 'invalid'}.`,
    );
  }
  return r.data;
}

function registryFailure(e: unknown): unknown {
  if (!(e instanceof RegistryError)) return e;
  if (e.code === 'NOT_FOUND') return notFound('unknown_cluster', e.message);
  if (e.code === 'EXISTS') return conflict('cluster_exists', e.message);
  return badRequest('invalid_cluster', e.message);
}

/** The certificate the server presents now, or null when it cannot be reached. */
async function presented(host: string, port: number) {
  try {
    return await fetchFingerprint(host, port, { timeoutMs: 5000 });
  } catch {
    return null;
  }
}

/** Refuses a fingerprint the server does not present (when it can be reached); a malformed one is a 400. */
async function confirmFingerprint(host: string, port: number, fingerprint: string) {
  if (!fingerprintSchema.safeParse(fingerprint).success) {
    throw badRequest(
      'invalid_fingerprint',
      'fingerprint must be a SHA-256 certificate fingerprint: 64 hex digits, with or without colons.',
    );
  }
  const live = await presented(host, port);
  if (live && !fingerprintsEqual(live.fingerprint, fingerprint)) {
    throw conflict(
      'fingerprint_mismatch',
      `${host}:${port} presents a certificate with fingerprint ${live.fingerprint}, not the ${fingerprint} that was sent; check the server and send its fingerprint to confirm it.`,
    );
  }
  return live !== null;
}

const auditBase = (c: AppContext) => ({
  actor: principalOf(c).actor,
  address: clientAddress(c),
  requestId: c.get('requestId'),
});

const credsInput = (cr: z.infer<typeof Credentials>) =>
  'tokenId' in cr ? { tokenId: cr.tokenId, secret: cr.secret } : { username: cr.username, password: cr.password };

const nameParam = z.object({ cluster: z.string().openapi({ example: 'eu', description: 'The cluster name' }) });
const tags = ['admin'];

async function testConnection(input: {
  kind: ProxmoxKind;
  host: string;
  port: number;
  fallbackHosts?: string[];
  auth?: ConstructorParameters<typeof ProxmoxClient>[0]['auth'];
  fingerprint?: string;
}): Promise<z.infer<typeof TestResult>> {
  let info: Awaited<ReturnType<typeof fetchFingerprint>>;
  try {
    info = await fetchFingerprint(input.host, input.port, { timeoutMs: 5000 });
  } catch (e) {
    throw new DataApiError(
      503,
      'cluster_unreachable',
      `Cannot reach ${input.host}:${input.port}: ${(e as Error).message}`,
    );
  }
  const matches = input.fingerprint ? fingerprintsEqual(info.fingerprint, input.fingerprint) : null;
  const out = {
    fingerprint: info.fingerprint,
    fingerprintMatches: matches,
    version: null as string | null,
    release: null as string | null,
    authenticated: false,
    certificate: { ...info },
  };
  // Credentials go only to a server whose certificate the caller confirmed.
  if (!input.auth) return out;
  if (matches !== true) {
    return { ...out, error: 'Credentials were not sent: confirm the fingerprint first (send it back as fingerprint).' };
  }
  const client = new ProxmoxClient({
    kind: input.kind,
    host: input.host,
    port: input.port,
    fingerprint: info.fingerprint,
    auth: input.auth,
    retries: 0,
    timeouts: { connectMs: 5000, headersMs: 10000, bodyMs: 10000 },
  });
  try {
    const v = await client.get<{ version?: string; release?: string }>('/version');
    return { ...out, authenticated: true, version: v?.version ?? null, release: v?.release ?? null };
  } catch (e) {
    return { ...out, error: proxmoxFailure(e, 'The login').message };
  } finally {
    await client.close().catch(() => {});
  }
}

export const clusterAdminRoutes = [
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'get',
      path: '/api/v1/admin/clusters',
      tags,
      summary: 'Registered clusters (secrets never shown: only whether one is set)',
      responses: { 200: jsonContent(z.object({ items: z.array(ClusterSchema) }), 'The registry') },
    }),
    handler: async (c) => c.json({ items: (await listClusters(c.get('services').db)).map(view) }, 200),
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'post',
      path: '/api/v1/admin/clusters/test',
      tags,
      summary:
        "Test a connection: the server's certificate fingerprint, and its version when credentials are sent for a confirmed fingerprint",
      request: { body: { content: { 'application/json': { schema: TestBody } } } },
      responses: { 200: jsonContent(TestResult, 'What the server presented') },
    }),
    handler: async (c) => {
      const b = await parseJson(c, TestBody);
      const kind = b.kind;
      const host = hostSchema.safeParse(b.host);
      if (!host.success) throw badRequest('invalid_host', `Invalid host: ${host.error.issues[0]?.message}.`);
      const result = await testConnection({
        kind,
        host: host.data,
        port: b.port ?? DEFAULT_PORT[kind],
        ...(b.fingerprint ? { fingerprint: b.fingerprint } : {}),
        ...(b.credentials
          ? {
              auth:
                'tokenId' in b.credentials
                  ? { type: 'token' as const, tokenId: b.credentials.tokenId, secret: b.credentials.secret }
                  : { type: 'password' as const, username: b.credentials.username, password: b.credentials.password },
            }
          : {}),
      });
      await audit(c.get('services').db, {
        ...auditBase(c),
        action: 'cluster.test',
        target: b.host,
        outcome: result.authenticated || !b.credentials ? 'success' : 'failure',
        details: { port: b.port ?? DEFAULT_PORT[kind], fingerprintMatches: result.fingerprintMatches },
      });
      return c.json(result, 200);
    },
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'post',
      path: '/api/v1/admin/clusters',
      tags,
      summary: 'Register a cluster; its secret is sealed, its fingerprint must be confirmed (sent explicitly)',
      request: { body: { content: { 'application/json': { schema: ClusterBody } } } },
      responses: {
        201: jsonContent(ClusterSchema, 'Registered'),
        409: jsonContent(z.object({}), 'A cluster of that name exists, or the server presents another fingerprint'),
      },
    }),
    handler: async (c) => {
      const { db } = c.get('services');
      const b = await parseJson(c, ClusterBody);
      const fail = async (e: unknown) => {
        const err = registryFailure(e);
        await audit(db, {
          ...auditBase(c),
          action: 'cluster.add',
          target: b.name,
          outcome: 'failure',
          details: { reason: (err as Error).message },
        });
        return err;
      };
      try {
        parseClusterName(b.name, 'name');
        if (!b.fingerprint && !b.caPem) {
          throw badRequest(
            'fingerprint_required',
            'Confirm the server certificate: POST /api/v1/admin/clusters/test returns its fingerprint; send it back as fingerprint (or pin a CA with caPem).',
          );
        }
        const port = b.port ?? DEFAULT_PORT[b.kind];
        if (b.fingerprint) await confirmFingerprint(b.host, port, b.fingerprint);
        const { credentials, ...rest } = b;
        const created = await addCluster(db, await dataServices(c).clients.vault(), {
          ...rest,
          ...credsInput(credentials),
        });
        invalidateClusterGroups(db);
        await audit(db, {
          ...auditBase(c),
          action: 'cluster.add',
          target: b.name,
          outcome: 'success',
          details: {
            host: b.host,
            port,
            kind: b.kind,
            groups: created.groups,
            fingerprint: created.fingerprint ?? null,
          },
        });
        return c.json(view(created), 201);
      } catch (e) {
        throw await fail(e);
      }
    },
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'patch',
      path: '/api/v1/admin/clusters/{cluster}',
      tags,
      summary:
        'Change a cluster (host, fingerprint, credentials, groups, enabled...); a new certificate must be confirmed',
      request: { params: nameParam, body: { content: { 'application/json': { schema: ClusterPatchBody } } } },
      responses: { 200: jsonContent(ClusterSchema, 'Changed') },
    }),
    handler: async (c) => {
      const { db } = c.get('services');
      const name = parseClusterName(c.req.valid('param').cluster, 'cluster');
      const b = await parseJson(c, ClusterPatchBody);
      const ds = dataServices(c);
      try {
        const entry = await ds.clients.entry(name);
        const host = b.host ?? entry.host;
        const port = b.port ?? entry.port;
        if (typeof b.fingerprint === 'string') {
          await confirmFingerprint(host, port, b.fingerprint);
        } else if ((b.host !== undefined || b.port !== undefined) && entry.fingerprint && b.caPem === undefined) {
          // Another host may present another certificate: it is accepted only when sent explicitly.
          const live = await presented(host, port);
          if (live && !fingerprintsEqual(live.fingerprint, entry.fingerprint)) {
            throw conflict(
              'fingerprint_changed',
              `${host}:${port} presents fingerprint ${live.fingerprint}, not the stored ${entry.fingerprint}; send the new fingerprint with the change to confirm it.`,
            );
          }
        }
        const { credentials, ...patch } = b;
        if (credentials) await setCredentials(db, await ds.clients.vault(), name, credsInput(credentials));
        const changed = Object.keys(patch).length ? await updateCluster(db, name, patch) : null;
        const updated = changed ?? (await listClusters(db)).find((v) => v.name === name)!;
        ds.clients.drop(name);
        invalidateClusterGroups(db);
        await audit(db, {
          ...auditBase(c),
          action: 'cluster.update',
          target: name,
          outcome: 'success',
          details: { fields: Object.keys(b), ...(b.fingerprint ? { fingerprint: b.fingerprint } : {}) },
        });
        return c.json(view(updated), 200);
      } catch (e) {
        const err = registryFailure(e);
        await audit(db, {
          ...auditBase(c),
          action: 'cluster.update',
          target: name,
          outcome: 'failure',
          details: { fields: Object.keys(b), reason: (err as Error).message },
        });
        throw err;
      }
    },
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'delete',
      path: '/api/v1/admin/clusters/{cluster}',
      tags,
      summary: 'Remove a cluster from the registry (its history stays in the snapshots until purged)',
      request: { params: nameParam },
      responses: { 204: { description: 'Removed' } },
    }),
    handler: async (c) => {
      const { db } = c.get('services');
      const name = parseClusterName(c.req.valid('param').cluster, 'cluster');
      try {
        await removeCluster(db, name);
      } catch (e) {
        const err = registryFailure(e);
        await audit(db, {
          ...auditBase(c),
          action: 'cluster.remove',
          target: name,
          outcome: 'failure',
          details: { reason: (err as Error).message },
        });
        throw err;
      }
      dataServices(c).clients.drop(name);
      invalidateClusterGroups(db);
      await audit(db, { ...auditBase(c), action: 'cluster.remove', target: name, outcome: 'success' });
      return c.body(null, 204);
    },
  }),
  defineRoute({
    privilege: 'admin',
    scope: clusterParam(),
    route: createRoute({
      method: 'post',
      path: '/api/v1/admin/clusters/{cluster}/test',
      tags,
      summary: 'Test a registered cluster with its stored credentials and pin',
      request: { params: nameParam },
      responses: { 200: jsonContent(TestResult, 'What the server presented') },
    }),
    handler: async (c) => {
      const name = parseClusterName(c.req.valid('param').cluster, 'cluster');
      const ds = dataServices(c);
      const entry = await ds.clients.entry(name);
      const result = await testConnection({
        kind: entry.kind,
        host: entry.host,
        port: entry.port,
        ...(entry.fingerprint ? { fingerprint: entry.fingerprint } : {}),
        auth: openAuth(await ds.clients.vault(), entry),
      });
      await audit(c.get('services').db, {
        ...auditBase(c),
        action: 'cluster.test',
        target: name,
        outcome: result.authenticated ? 'success' : 'failure',
        details: { fingerprintMatches: result.fingerprintMatches, ...(result.error ? { reason: result.error } : {}) },
      });
      return c.json(result, 200);
    },
  }),
  defineRoute({
    privilege: 'admin',
    scope: clusterParam(),
    route: createRoute({
      method: 'post',
      path: '/api/v1/admin/clusters/{cluster}/crawl',
      tags,
      summary: 'Crawl one cluster now; the new snapshot becomes `last` when it is published',
      request: { params: nameParam },
      responses: {
        202: jsonContent(
          z.object({ requested: z.literal(true), id: z.string(), cluster: z.string(), state: z.string() }),
          'Queued; GET /api/v1/admin/crawl-requests/{id} follows it',
        ),
      },
    }),
    handler: async (c) => {
      const { db, redis } = c.get('services');
      const name = parseClusterName(c.req.valid('param').cluster, 'cluster');
      const entry = await dataServices(c).clients.entry(name);
      if (!entry.enabled)
        throw conflict('cluster_disabled', `Cluster ${name} is disabled; enable it before crawling it.`);
      const r = await requestCrawl(redis, name);
      await audit(db, {
        ...auditBase(c),
        action: 'cluster.crawl',
        target: name,
        outcome: 'success',
        details: { requestId: r.id },
      });
      return c.json({ requested: true as const, id: r.id, cluster: r.cluster, state: r.state }, 202);
    },
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'get',
      path: '/api/v1/admin/crawl-requests/{id}',
      tags,
      summary: 'An on-demand crawl: queued, running, done (with the snapshot date) or failed',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: jsonContent(z.record(z.string(), z.unknown()), 'The request') },
    }),
    handler: async (c) => {
      const id = c.req.valid('param').id;
      if (!/^[0-9a-f]{16}$/.test(id)) throw badRequest('invalid_id', 'Parameter id must be 16 hexadecimal digits.');
      const s = await crawlRequestStatus(c.get('services').redis, id);
      if (!s) throw notFound('unknown_request', `There is no crawl request ${id} (requests are kept for an hour).`);
      return c.json({ ...s }, 200);
    },
  }),
];
