import { createRoute, z } from '@hono/zod-openapi';
import { inventory } from '../../../shared/store/collections.ts';
import type { AppContext } from '../../context.ts';
import { backupsOfGuest } from '../../query/coverage.ts';
import { badRequest, notFound } from '../../query/errors.ts';
import type { Doc } from '../../query/guest-fields.ts';
import { guestHistory } from '../../query/history.ts';
import { parseDate, parseDateRef, parseUid } from '../../query/params.ts';
import { defineRoute } from '../../routing.ts';
import { dataServices, visibleSet } from './data-services.ts';
import { DateParam, DocSchema, jsonContent, UidParam } from './schemas.ts';
import type { SnapshotSummary } from './snapshot-index.ts';

/**
 * One guest by uid: its documents at a date, and its history across snapshots. Reads are `{uid}` equality
 * (the uid_date index) for the guest and its disks, and `{cluster, vmid, date: {$in}}` for its backups.
 */

async function guestDocs(c: AppContext, uid: string) {
  const { index, reader } = dataServices(c);
  const readable = await index.readable();
  const newest = readable[0]?.date ?? 0;
  const dates = new Set(readable.map((s) => s.date));
  const visible = await visibleSet(c);
  const mine = (d: Doc) => dates.has(Number(d.date)) && (visible === null || visible.has(String(d.cluster)));
  const instances = (await reader.byUid('instances', uid, newest)).filter(mine);
  if (instances.length === 0)
    throw notFound('unknown_guest', `No published snapshot has a guest with uid ${uid} that you may see.`);
  return { instances, mine, readable, newest };
}

/** Backups that may belong to the guest at these dates: its clusters' backups with its vmid. */
async function candidateBackups(c: AppContext, instances: Doc[], visible: ReadonlySet<string> | null): Promise<Doc[]> {
  const db = c.get('services').db;
  const byCluster = new Map<string, { vmids: Set<number>; dates: Set<number> }>();
  for (const g of instances) {
    const k = String(g.cluster);
    const e = byCluster.get(k) ?? { vmids: new Set(), dates: new Set() };
    e.vmids.add(Number(g.vmid));
    e.dates.add(Number(g.date));
    byCluster.set(k, e);
  }
  const reads: Promise<Doc[]>[] = [];
  for (const [cluster, e] of byCluster) {
    for (const vmid of e.vmids) {
      reads.push(
        inventory(db, 'backups')
          .find({ cluster, vmid, date: { $in: [...e.dates] } } as never, { projection: { run: 0 } })
          .toArray() as Promise<Doc[]>,
      );
    }
  }
  const all = (await Promise.all(reads)).flat();
  const seen = new Set<string>();
  return all.filter((b) => {
    const k = String(b._id);
    if (seen.has(k)) return false;
    seen.add(k);
    return visible === null || visible.has(String(b.cluster));
  });
}

const GuestAtDate = z
  .object({ date: z.number(), instance: DocSchema, disks: z.array(DocSchema), backups: z.array(DocSchema) })
  .openapi('GuestAtDate');

const HistoryItem = z
  .object({
    date: z.number(),
    cluster: z.string(),
    node: z.string(),
    vmid: z.number(),
    name: z.string(),
    status: z.string(),
    type: z.string(),
    vcpus: z.number().nullable(),
    memoryBytes: z.number().nullable(),
    diskBytes: z.number().nullable(),
    disks: z.array(
      z.object({
        volid: z.string(),
        storage: z.string().nullable(),
        key: z.string().nullable(),
        sizeBytes: z.number().nullable(),
        attached: z.boolean(),
      }),
    ),
    backups: z.number(),
    lastBackup: z
      .object({
        volid: z.string(),
        backupTime: z.number().nullable(),
        sizeBytes: z.number().nullable(),
        storage: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi('GuestHistoryItem');

export const guestReadRoutes = [
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/guests/{uid}',
      tags: ['guests'],
      summary: 'A guest at a date: its document, disks and backups',
      request: { params: z.object({ uid: UidParam }), query: z.object({ date: DateParam.optional() }) },
      responses: { 200: jsonContent(GuestAtDate, 'The guest at that date') },
    }),
    handler: async (c) => {
      const uid = parseUid(c.req.valid('param').uid);
      const dateRef = parseDateRef(c.req.valid('query').date);
      const { index, reader } = dataServices(c);
      const snapshot: SnapshotSummary = await index.resolve(dateRef);
      const { instances, mine, newest } = await guestDocs(c, uid);
      const instance = instances.find((g) => g.date === snapshot.date);
      if (!instance) {
        const first = instances[0]?.date;
        const last = instances[instances.length - 1]?.date;
        throw notFound(
          'guest_not_at_date',
          `Guest ${uid} is not in snapshot ${snapshot.date}; it appears in ${instances.length} snapshot(s) from ${String(first)} to ${String(last)}.`,
        );
      }
      const disks = (await reader.byUid('disks', uid, newest)).filter((d) => d.date === snapshot.date && mine(d));
      const visible = await visibleSet(c);
      const backups = backupsOfGuest(instance, await candidateBackups(c, [instance], visible));
      return c.json({ date: snapshot.date, instance, disks, backups }, 200);
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/guests/{uid}/history',
      tags: ['guests'],
      summary: 'A guest across snapshots: where it ran, its status, resources, disks and newest backup at each date',
      request: {
        params: z.object({ uid: UidParam }),
        query: z.object({
          from: z.string().optional().openapi({ description: 'Oldest date (epoch seconds), inclusive' }),
          to: z.string().optional().openapi({ description: 'Newest date (epoch seconds or last), inclusive' }),
        }),
      },
      responses: { 200: jsonContent(z.object({ uid: z.string(), items: z.array(HistoryItem) }), 'Oldest first') },
    }),
    handler: async (c) => {
      const uid = parseUid(c.req.valid('param').uid);
      const q = c.req.valid('query');
      const from = q.from === undefined ? 0 : (parseDate(q.from, 'from') as number);
      const toRef = q.to === undefined ? 'last' : parseDate(q.to, 'to', { allowLast: true });
      const to = toRef === 'last' ? Number.MAX_SAFE_INTEGER : toRef;
      if (from > to) throw badRequest('invalid_range', 'Parameter from must not be after to.');
      const { reader } = dataServices(c);
      const { instances, mine, newest } = await guestDocs(c, uid);
      const inRange = (d: Doc) => Number(d.date) >= from && Number(d.date) <= to;
      const visible = await visibleSet(c);
      const chosen = instances.filter(inRange);
      const items = await reader.cache.get(
        `history|${uid}|${newest}|${from}|${to}|${visible === null ? '*' : [...visible].sort().join(',')}`,
        chosen.map((g) => Number(g.date)),
        async () => {
          const disks = (await reader.byUid('disks', uid, newest)).filter((d) => mine(d) && inRange(d));
          const backups = chosen.length ? await candidateBackups(c, chosen, visible) : [];
          return guestHistory(chosen, disks, backups);
        },
        (list) => list.length,
      );
      return c.json({ uid, items }, 200);
    },
  }),
];
