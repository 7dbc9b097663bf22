import { createRoute, z } from '@hono/zod-openapi';
import type { InventoryName } from '../../../shared/store/collections.ts';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../query/errors.ts';
import type { Doc } from '../../query/guest-fields.ts';
import { KINDS, type Kind } from '../../query/list.ts';
import { parseClusterName, parseDateRef, parseNodeName, parseObjectIdHex, parseVmid } from '../../query/params.ts';
import { clusterParam, defineRoute } from '../../routing.ts';
import { errorResponse } from '../../schemas.ts';
import { clustersToRead, dataServices, visibleSet } from './data-services.ts';
import {
  ClusterParam,
  DateParam,
  jsonContent,
  KindParam,
  LegacyEnvelope,
  NodeParam,
  raw,
  VmidParam,
} from './schemas.ts';
import { jsonArrayStream } from './streams.ts';

/**
 * HyperProxmox-compatible reads: `/api/v1/static/<kind>/<date|last>[/<cluster>[/<node>[/<vmid>]]]`,
 * `/api/v1/static/dates/(all|last)` and `/api/v1/static/<kind>/id/<MongoID>`, answering with its envelope
 * `{"result":"OK","value":...}`. Unlike HyperProxmox, a date, cluster, node or guest that does not exist is a
 * 404 (or a 400 for a malformed value) with a sentence saying what exists instead.
 */

function parseKind(raw: string): Kind {
  if (!(KINDS as readonly string[]).includes(raw)) {
    throw notFound(
      'unknown_kind',
      `There is no inventory kind ${JSON.stringify(raw)}; use one of ${KINDS.join(', ')}.`,
    );
  }
  return raw as Kind;
}

const legacy = (c: AppContext, value: unknown) => c.json({ result: 'OK' as const, value }, 200);

async function nodesOf(
  c: AppContext,
  snapshot: Parameters<ReturnType<typeof dataServices>['reader']['docs']>[1],
  cluster: string,
) {
  return (await dataServices(c).reader.docs('nodes', snapshot, [cluster])).map((n) => String(n.node));
}

async function resolve(c: AppContext, rawDate: string, rawCluster?: string) {
  const date = parseDateRef(rawDate);
  const cluster = rawCluster === undefined ? undefined : parseClusterName(rawCluster);
  const { index } = dataServices(c);
  const snapshot = await index.resolve(date);
  const clusters = clustersToRead(snapshot, await visibleSet(c), cluster === undefined ? undefined : [cluster]);
  return { snapshot, clusters };
}

async function checkNode(
  c: AppContext,
  snapshot: Awaited<ReturnType<typeof resolve>>['snapshot'],
  cluster: string,
  node: string,
) {
  const nodes = await nodesOf(c, snapshot, cluster);
  if (!nodes.includes(node)) {
    throw notFound(
      'unknown_node',
      `Cluster ${cluster} has no node ${node} in snapshot ${snapshot.date} (its nodes: ${nodes.sort().join(', ') || 'none'}).`,
    );
  }
}

/** Rows of a kind on one node: shared storage counts on every node that sees it. */
function onNode(kind: Kind, docs: Doc[], node: string): Doc[] {
  if (kind === 'storages')
    return docs.filter((d) => d.node === node || (Array.isArray(d.nodes) && d.nodes.includes(node)));
  return docs.filter((d) => d.node === node);
}

const tags = ['compatibility'];

export const staticRoutes = [
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/static/dates/{which}',
      tags,
      summary: 'All published snapshot dates (newest first), or the newest one',
      request: { params: z.object({ which: z.string().openapi({ example: 'last', description: '`all` or `last`' }) }) },
      responses: {
        200: jsonContent(LegacyEnvelope, '`all`: value is [{date}], newest first; `last`: value is the newest date'),
        404: errorResponse('No snapshot yet, or an unknown selector'),
      },
    }),
    handler: async (c) => {
      const which = c.req.valid('param').which;
      const { index } = dataServices(c);
      if (which === 'all')
        return legacy(
          c,
          (await index.readable()).map((s) => ({ date: s.date })),
        );
      if (which === 'last') return legacy(c, (await index.resolve('last')).date);
      throw notFound(
        'unknown_selector',
        `Use /api/v1/static/dates/all or /api/v1/static/dates/last, not ${JSON.stringify(which)}.`,
      );
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/static/{kind}/id/{id}',
      tags,
      summary: 'One inventory document by its MongoDB id',
      request: {
        params: z.object({ kind: KindParam, id: z.string().openapi({ example: '5ae886660e8d893fd32734e8' }) }),
      },
      responses: { 200: jsonContent(LegacyEnvelope, 'value is [document]') },
    }),
    handler: async (c) => {
      const p = c.req.valid('param');
      const kind = parseKind(p.kind);
      const id = parseObjectIdHex(p.id);
      const { reader, index } = dataServices(c);
      const doc = await reader.byId(kind as InventoryName, id);
      const visible = await visibleSet(c);
      const published = doc ? (await index.readable()).some((s) => s.date === doc.date) : false;
      if (!doc || !published || (visible !== null && !visible.has(String(doc.cluster)))) {
        throw notFound('unknown_id', `There is no ${kind} document with id ${id} in a published snapshot.`);
      }
      return legacy(c, [doc]);
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/static/{kind}/{date}',
      tags,
      summary: 'Every document of a kind at a date, across the clusters the caller may see (streamed)',
      request: { params: z.object({ kind: KindParam, date: DateParam }) },
      responses: { 200: jsonContent(LegacyEnvelope, 'value is the list of documents') },
    }),
    handler: async (c) => {
      const p = c.req.valid('param');
      const kind = parseKind(p.kind);
      const { snapshot, clusters } = await resolve(c, p.date);
      const docs = await dataServices(c).reader.docs(kind, snapshot, clusters);
      return raw(
        new Response(jsonArrayStream('{"result":"OK","value":', docs, '}'), {
          headers: { 'content-type': 'application/json; charset=utf-8', 'x-strata-date': String(snapshot.date) },
        }),
      );
    },
  }),
  defineRoute({
    privilege: 'audit',
    scope: clusterParam(),
    route: createRoute({
      method: 'get',
      path: '/api/v1/static/{kind}/{date}/{cluster}',
      tags,
      summary: "A cluster's documents of a kind at a date (for clusters: the cluster's own document)",
      request: { params: z.object({ kind: KindParam, date: DateParam, cluster: ClusterParam }) },
      responses: { 200: jsonContent(LegacyEnvelope, 'value is the list (clusters: one document)') },
    }),
    handler: async (c) => {
      const p = c.req.valid('param');
      const kind = parseKind(p.kind);
      const { snapshot, clusters } = await resolve(c, p.date, p.cluster);
      const docs = await dataServices(c).reader.docs(kind, snapshot, clusters);
      if (kind === 'clusters') {
        if (!docs[0])
          throw notFound(
            'unknown_cluster',
            `Cluster ${p.cluster} has no cluster document in snapshot ${snapshot.date}.`,
          );
        return legacy(c, docs[0]);
      }
      return legacy(c, docs);
    },
  }),
  defineRoute({
    privilege: 'audit',
    scope: clusterParam(),
    route: createRoute({
      method: 'get',
      path: '/api/v1/static/{kind}/{date}/{cluster}/{node}',
      tags,
      summary: "A node's documents of a kind at a date (for nodes: the node's own document)",
      request: { params: z.object({ kind: KindParam, date: DateParam, cluster: ClusterParam, node: NodeParam }) },
      responses: { 200: jsonContent(LegacyEnvelope, 'value is the list (nodes: one document)') },
    }),
    handler: async (c) => {
      const p = c.req.valid('param');
      const kind = parseKind(p.kind);
      if (kind === 'clusters')
        throw notFound(
          'no_such_level',
          'Cluster documents have no node level: use /api/v1/static/clusters/<date>/<cluster>.',
        );
      const node = parseNodeName(p.node);
      const { snapshot, clusters } = await resolve(c, p.date, p.cluster);
      const cluster = clusters[0] as string;
      await checkNode(c, snapshot, cluster, node);
      const docs = onNode(kind, await dataServices(c).reader.docs(kind, snapshot, clusters), node);
      return legacy(c, kind === 'nodes' ? docs[0] : docs);
    },
  }),
  defineRoute({
    privilege: 'audit',
    scope: clusterParam(),
    route: createRoute({
      method: 'get',
      path: '/api/v1/static/{kind}/{date}/{cluster}/{node}/{vmid}',
      tags,
      summary: "One guest's document (instances), disks or backups at a date",
      request: {
        params: z.object({ kind: KindParam, date: DateParam, cluster: ClusterParam, node: NodeParam, vmid: VmidParam }),
      },
      responses: { 200: jsonContent(LegacyEnvelope, 'value is a list: [instance], its disks, or its backups') },
    }),
    handler: async (c) => {
      const p = c.req.valid('param');
      const kind = parseKind(p.kind);
      if (kind !== 'instances' && kind !== 'disks' && kind !== 'backups') {
        throw notFound(
          'no_such_level',
          `${kind} have no guest level: the deepest path is /api/v1/static/${kind}/<date>/<cluster>/<node>.`,
        );
      }
      const node = parseNodeName(p.node);
      const vmid = parseVmid(p.vmid);
      const { snapshot, clusters } = await resolve(c, p.date, p.cluster);
      const cluster = clusters[0] as string;
      await checkNode(c, snapshot, cluster, node);
      const { reader } = dataServices(c);
      const guests = (await reader.docs('instances', snapshot, clusters)).filter((g) => g.vmid === vmid);
      const here = guests.find((g) => g.node === node);
      if (!here) {
        const elsewhere = guests[0];
        throw notFound(
          'unknown_guest',
          elsewhere
            ? `Guest ${vmid} of cluster ${cluster} was on node ${String(elsewhere.node)}, not ${node}, in snapshot ${snapshot.date}.`
            : `Cluster ${cluster} had no guest ${vmid} in snapshot ${snapshot.date}.`,
        );
      }
      if (kind === 'instances') return legacy(c, [here]);
      const docs = await reader.docs(kind, snapshot, clusters);
      if (kind === 'disks')
        return legacy(
          c,
          docs.filter((d) => d.vmid === vmid && d.node === node),
        );
      return legacy(
        c,
        docs.filter((d) => d.vmid === vmid),
      );
    },
  }),
];
