import { createRoute, z } from '@hono/zod-openapi';
import type { ClusterDoc, SnapshotDoc } from '../../../shared/store/schemas.ts';
import type { AppContext } from '../../context.ts';
import { capacityAt, capacityRange, sampleEvenly } from '../../query/capacity.ts';
import { backupCoverage } from '../../query/coverage.ts';
import { diffSnapshots } from '../../query/diff.ts';
import { badRequest, forbidden, notFound } from '../../query/errors.ts';
import { healthAt } from '../../query/health.ts';
import { parseClusterList, parseDate, parseDateRef, parsePositiveNumber } from '../../query/params.ts';
import { defineRoute } from '../../routing.ts';
import { clustersToRead, dataServices, visibleSet } from './data-services.ts';
import { InventoryReader } from './inventory-reader.ts';
import { commaList, DateParam, DocSchema, jsonContent } from './schemas.ts';
import type { SnapshotSummary } from './snapshot-index.ts';

/**
 * Diff between two dates, capacity (at a date and over a range), health and backup coverage. Diffs and
 * coverage are computed in code from equality-bounded, cached reads and cached themselves (published
 * snapshots never change); capacity and health come from what the crawler stored on the snapshot document.
 */

const visibleKey = (v: ReadonlySet<string> | null) => (v === null ? '*' : [...v].sort().join(','));

async function loadSnapshotDoc(c: AppContext, s: SnapshotSummary): Promise<SnapshotDoc> {
  const doc = await dataServices(c).reader.snapshotDoc(s.date);
  if (!doc)
    throw notFound('unknown_date', `Snapshot ${s.date} was removed; GET /api/v1/snapshots lists the current ones.`);
  return doc;
}

/** visible ∩ requested, as a set (null: no restriction). A requested cluster the caller may not see is a 403. */
function restrict(visible: ReadonlySet<string> | null, requested: string[]): ReadonlySet<string> | null {
  if (requested.length === 0) return visible;
  for (const c of requested)
    if (visible !== null && !visible.has(c)) throw forbidden('forbidden', `You may not read cluster ${c}.`);
  return new Set(requested);
}

const FigureSet = z.record(z.string(), z.unknown());

export const analysisRoutes = [
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/diff',
      tags: ['analysis'],
      summary: 'What changed between two dates: guests, disks, storage capacity, backups',
      request: {
        query: z.object({
          from: z.string().openapi({ description: 'Earlier snapshot date (epoch seconds)', example: '1714060800' }),
          to: z.string().optional().openapi({ description: 'Later snapshot date or last (default)', example: 'last' }),
          cluster: commaList('Clusters; default all the caller may see'),
        }),
      },
      responses: {
        200: jsonContent(
          z
            .object({
              from: z.number(),
              to: z.number(),
              guests: z.object({
                created: z.array(DocSchema),
                deleted: z.array(DocSchema),
                migrated: z.array(DocSchema),
                changed: z.array(DocSchema),
              }),
              disks: z.object({ added: z.array(DocSchema), removed: z.array(DocSchema), resized: z.array(DocSchema) }),
              storages: z.array(DocSchema),
              backups: z.object({ added: z.array(DocSchema), removed: z.array(DocSchema) }),
              summary: z.record(z.string(), z.number()),
            })
            .openapi('Diff'),
          'The differences',
        ),
      },
    }),
    handler: async (c) => {
      const q = c.req.valid('query');
      const fromRef = parseDate(q.from, 'from', { allowLast: true });
      const toRef = parseDateRef(q.to, 'to');
      const requested = parseClusterList(q.cluster);
      const { index, reader } = dataServices(c);
      const [sFrom, sTo] = [await index.resolve(fromRef), await index.resolve(toRef)];
      const visible = restrict(await visibleSet(c), requested);
      const pick = (s: SnapshotSummary) =>
        InventoryReader.clustersOf(s).filter((cl) => visible === null || visible.has(cl));
      const cFrom = pick(sFrom);
      const cTo = pick(sTo);
      for (const r of requested) {
        if (!cFrom.includes(r) && !cTo.includes(r)) {
          throw notFound('unknown_cluster', `Cluster ${r} has no data in snapshot ${sFrom.date} nor in ${sTo.date}.`);
        }
      }
      const result = await reader.cache.get(
        `diff|${sFrom.date}|${sTo.date}|${visibleKey(visible)}`,
        [sFrom.date, sTo.date],
        async () => {
          const side = async (s: SnapshotSummary, clusters: string[]) => ({
            instances: await reader.docs('instances', s, clusters),
            disks: await reader.docs('disks', s, clusters),
            storages: await reader.docs('storages', s, clusters),
            backups: await reader.docs('backups', s, clusters),
          });
          return diffSnapshots(await side(sFrom, cFrom), await side(sTo, cTo));
        },
        (d) => Object.values(d.summary).reduce((a, b) => a + b, 1),
      );
      return c.json({ from: sFrom.date, to: sTo.date, ...result } as never, 200);
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/capacity',
      tags: ['analysis'],
      summary: 'CPU, memory and storage allocated against physical, per cluster and node, at a date',
      request: {
        query: z.object({ date: DateParam.optional(), cluster: commaList('Clusters; default all the caller may see') }),
      },
      responses: {
        200: jsonContent(
          z
            .object({ date: z.number(), status: z.string(), total: FigureSet, clusters: z.array(FigureSet) })
            .openapi('Capacity'),
          'Capacity (ratios above 1 are overcommit; shared storage counted once)',
        ),
      },
    }),
    handler: async (c) => {
      const q = c.req.valid('query');
      const s = await dataServices(c).index.resolve(parseDateRef(q.date));
      const requested = parseClusterList(q.cluster);
      const visible = restrict(await visibleSet(c), requested);
      if (requested.length) clustersToRead(s, visible, requested);
      return c.json(capacityAt(await loadSnapshotDoc(c, s), visible) as never, 200);
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/capacity/range',
      tags: ['analysis'],
      summary: 'Capacity over a range of dates, one point per snapshot and cluster (for charts)',
      request: {
        query: z.object({
          from: z.string().openapi({ description: 'Oldest date (epoch seconds)', example: '1714060800' }),
          to: z.string().optional().openapi({ description: 'Newest date or last (default)' }),
          cluster: commaList('Clusters; default all the caller may see'),
          maxPoints: z
            .string()
            .optional()
            .openapi({ description: 'At most this many snapshots, evenly spaced (2-2000, default 500)' }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            from: z.number(),
            to: z.number(),
            snapshots: z.number(),
            sampled: z.number(),
            points: z.array(FigureSet),
          }),
          'Points oldest first; cluster "*" is the sum of the clusters shown',
        ),
      },
    }),
    handler: async (c) => {
      const q = c.req.valid('query');
      const from = parseDate(q.from, 'from') as number;
      const toRef = parseDateRef(q.to, 'to');
      const maxPoints = Math.round(parsePositiveNumber(q.maxPoints, 'maxPoints', { def: 500, max: 2000 }));
      if (maxPoints < 2) throw badRequest('invalid_number', 'Parameter maxPoints must be at least 2.');
      const { index } = dataServices(c);
      const to = toRef === 'last' ? (await index.resolve('last')).date : toRef;
      if (from > to) throw badRequest('invalid_range', 'Parameter from must not be after to.');
      const visible = restrict(await visibleSet(c), parseClusterList(q.cluster));
      const inRange = (await index.readable()).filter((s) => s.date >= from && s.date <= to);
      const docs = await Promise.all(sampleEvenly(inRange, maxPoints).map((s) => loadSnapshotDoc(c, s)));
      const r = capacityRange(docs, visible, maxPoints);
      return c.json({ from, to, snapshots: inRange.length, sampled: r.sampled, points: r.points } as never, 200);
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/health',
      tags: ['analysis'],
      summary: "The crawl's outcome per cluster and each cluster's quorum, nodes online and HA state at a date",
      request: { query: z.object({ date: DateParam.optional() }) },
      responses: { 200: jsonContent(z.record(z.string(), z.unknown()).openapi('Health'), 'Health at that date') },
    }),
    handler: async (c) => {
      const s = await dataServices(c).index.resolve(parseDateRef(c.req.valid('query').date));
      const visible = await visibleSet(c);
      const clusters = (await dataServices(c).reader.docs(
        'clusters',
        s,
        clustersToRead(s, visible, undefined),
      )) as unknown as ClusterDoc[];
      return c.json(healthAt(await loadSnapshotDoc(c, s), clusters, visible) as never, 200);
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/backups/coverage',
      tags: ['analysis'],
      summary: 'Last backup and its age per guest, guests without a recent backup, backups whose guest is gone',
      request: {
        query: z.object({
          date: DateParam.optional(),
          maxAgeHours: z
            .string()
            .optional()
            .openapi({ description: 'A guest is covered by a backup at most this old (default 24)' }),
          cluster: commaList('Clusters; default all the caller may see'),
        }),
      },
      responses: {
        200: jsonContent(
          z
            .object({
              date: z.number(),
              guests: z.array(FigureSet),
              orphans: z.array(DocSchema),
              summary: z.record(z.string(), z.number()),
            })
            .openapi('BackupCoverage'),
          'Coverage at that date',
        ),
      },
    }),
    handler: async (c) => {
      const q = c.req.valid('query');
      const maxAgeHours = parsePositiveNumber(q.maxAgeHours, 'maxAgeHours', { def: 24, max: 24 * 3650 });
      const { index, reader } = dataServices(c);
      const s = await index.resolve(parseDateRef(q.date));
      const requested = parseClusterList(q.cluster);
      const visible = await visibleSet(c);
      const clusters = clustersToRead(s, visible, requested.length ? requested : undefined);
      // PBS servers hold backups of guests of any cluster: read the visible ones alongside.
      const pbs = s.clusters
        .filter((o) => o.kind === 'pbs' && (visible === null || visible.has(o.name)))
        .map((o) => o.name);
      const backupClusters = [...new Set([...clusters, ...pbs])];
      const result = await reader.cache.get(
        `coverage|${s.date}|${maxAgeHours}|${clusters.join(',')}|${backupClusters.join(',')}`,
        [s.date],
        async () =>
          backupCoverage({
            date: s.date,
            maxAgeHours,
            instances: await reader.docs('instances', s, clusters),
            backups: await reader.docs('backups', s, backupClusters),
          }),
        (r) => r.guests.length + r.orphans.length,
      );
      // Orphans from a PBS are only orphans when no cluster the caller can see has the guest: with a
      // cluster filter, PBS backups of guests of other clusters are left out rather than reported as orphans.
      const orphans = requested.length ? result.orphans.filter((b) => b.source !== 'pbs') : result.orphans;
      return c.json(
        {
          date: s.date,
          guests: result.guests,
          orphans,
          summary: { ...result.summary, orphans: orphans.length },
        } as never,
        200,
      );
    },
  }),
];
