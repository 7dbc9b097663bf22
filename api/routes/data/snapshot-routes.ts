import { createRoute, z } from '@hono/zod-openapi';
import { badRequest } from '../../query/errors.ts';
import { parseLimit } from '../../query/params.ts';
import { defineRoute } from '../../routing.ts';
import { dataServices, visibleSet } from './data-services.ts';
import { jsonContent } from './schemas.ts';
import type { SnapshotSummary } from './snapshot-index.ts';

/** The published snapshots (the crawl history) and a calendar of dates for the console's date picker. */

const Outcome = z.object({
  ok: z.boolean(),
  kind: z.enum(['pve', 'pbs']),
  error: z.string().optional(),
  counts: z.record(z.string(), z.number()),
  durationMs: z.number(),
  copiedFrom: z.number().optional(),
});

const Snapshot = z
  .object({
    date: z.number(),
    status: z.string().openapi({ description: 'complete, partial or failed' }),
    trigger: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    clusters: z.record(z.string(), Outcome),
    totals: z.record(z.string(), z.number()).nullable(),
  })
  .openapi('Snapshot');

function shape(s: SnapshotSummary, visible: ReadonlySet<string> | null) {
  const shown = s.clusters.filter((o) => visible === null || visible.has(o.name));
  let totals: Record<string, number> | null = s.totals ?? null;
  if (visible !== null) {
    // A caller scoped to some clusters sees totals of those clusters only.
    totals = { clusters: shown.length, clustersOk: shown.filter((o) => o.ok).length };
    for (const o of shown) for (const [k, v] of Object.entries(o.counts)) totals[k] = (totals[k] ?? 0) + v;
  }
  return {
    date: s.date,
    status: s.status,
    trigger: s.trigger,
    startedAt: s.startedAt.toISOString(),
    finishedAt: s.finishedAt ? s.finishedAt.toISOString() : null,
    clusters: Object.fromEntries(
      shown.map((o) => [
        o.name,
        {
          ok: o.ok,
          kind: o.kind,
          ...(o.error ? { error: o.error } : {}),
          counts: o.counts as Record<string, number>,
          durationMs: o.durationMs,
          ...(o.copiedFrom ? { copiedFrom: o.copiedFrom } : {}),
        },
      ]),
    ),
    totals,
  };
}

export const snapshotRoutes = [
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/snapshots',
      tags: ['snapshots'],
      summary: 'Published snapshots, newest first, with per-cluster outcomes and totals',
      request: {
        query: z.object({
          limit: z.string().optional().openapi({ example: '50', description: '1-1000, default 100' }),
          cursor: z.string().optional().openapi({ description: 'nextCursor of the previous page' }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(Snapshot), nextCursor: z.string().nullable() }),
          'A page of snapshots',
        ),
      },
    }),
    handler: async (c) => {
      const q = c.req.valid('query');
      const limit = parseLimit(q.limit, { def: 100, max: 1000 });
      let before = Number.POSITIVE_INFINITY;
      if (q.cursor !== undefined) {
        if (!/^[1-9][0-9]{9}$/.test(q.cursor))
          throw badRequest('invalid_cursor', 'Parameter cursor must be the nextCursor of a previous page.');
        before = Number(q.cursor);
      }
      const all = (await dataServices(c).index.all()).filter((s) => s.date < before);
      const page = all.slice(0, limit);
      const visible = await visibleSet(c);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page.map((s) => shape(s, visible)),
          nextCursor: all.length > limit && last ? String(last.date) : null,
        },
        200,
      );
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/snapshots/calendar',
      tags: ['snapshots'],
      summary: 'Readable snapshot dates of one month (UTC), grouped by day',
      request: {
        query: z.object({
          month: z.string().optional().openapi({ example: '2026-11', description: 'YYYY-MM, default: this month' }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({ month: z.string(), days: z.record(z.string(), z.array(z.number())) }),
          'Dates by day',
        ),
      },
    }),
    handler: async (c) => {
      const raw = c.req.valid('query').month ?? new Date().toISOString().slice(0, 7);
      const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(raw);
      if (!m) throw badRequest('invalid_month', `Parameter month must look like 2026-11; got ${JSON.stringify(raw)}.`);
      const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1) / 1000;
      const end = Date.UTC(Number(m[1]), Number(m[2]), 1) / 1000;
      const days: Record<string, number[]> = {};
      for (const s of await dataServices(c).index.readable()) {
        if (s.date < start || s.date >= end) continue;
        const day = new Date(s.date * 1000).toISOString().slice(0, 10);
        days[day] = [...(days[day] ?? []), s.date];
      }
      for (const list of Object.values(days)) list.sort((a, b) => a - b);
      return c.json({ month: raw, days }, 200);
    },
  }),
];
