import { randomBytes } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Db } from 'mongodb';
import type { Logger } from '../../../shared/logger.ts';
import { PurgeError, parseBefore, parseKeepPolicy, purge, type RetentionTier } from '../../../shared/store/purge.ts';
import { audit } from '../../audit.ts';
import { clientAddress } from '../../client-address.ts';
import { type AppContext, principalOf } from '../../context.ts';
import { badRequest, conflict, notFound } from '../../query/errors.ts';
import { defineRoute } from '../../routing.ts';
import { dataServices, dataServicesOf } from './data-services.ts';
import { jsonContent } from './schemas.ts';

/**
 * Purge (Admin), in the background with progress: HyperProxmox's `POST /api/v1/administration/purge`
 * (`{"action":"purge","type":"strict","date":N}`: everything older than N) and `POST /api/v1/admin/purge`
 * with a cutoff and/or retention tiers and a dry run. The work is shared/store/purge.ts's, which never removes
 * the newest complete snapshot nor a running one. Jobs are recorded in `purge_jobs`, so any API process can
 * report on them; one purge runs at a time (Redis lock).
 */
export const PURGE_JOBS = 'purge_jobs';
const LOCK_TTL_MS = 6 * 3600_000;

interface PurgeJob {
  _id: string;
  status: 'running' | 'done' | 'failed';
  dryRun: boolean;
  request: { before?: number; keep?: string };
  progress: { done: number; total: number; date: number | null };
  removed: Record<string, number>;
  dates: number[];
  kept?: number;
  error?: string;
  startedAt: Date;
  finishedAt?: Date;
  actor: string;
}

const jobs = (db: Db) => db.collection<PurgeJob>(PURGE_JOBS);

async function startPurge(
  c: AppContext,
  opts: { before?: number; keep?: RetentionTier[]; keepText?: string; dryRun: boolean },
  action: string,
): Promise<string> {
  const { db, redis, logger } = c.get('services');
  const ds = dataServices(c);
  const lockKey = `${ds.redisPrefix}purge-lock`;
  const id = randomBytes(8).toString('hex');
  const base = { actor: principalOf(c).actor, address: clientAddress(c), requestId: c.get('requestId') };
  const request = {
    ...(opts.before !== undefined ? { before: opts.before } : {}),
    ...(opts.keepText ? { keep: opts.keepText } : {}),
  };
  if ((await redis.set(lockKey, id, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
    const running = await redis.get(lockKey);
    await audit(db, {
      ...base,
      action,
      target: null,
      outcome: 'failure',
      details: { ...request, reason: 'another purge runs' },
    });
    throw conflict(
      'purge_running',
      `Another purge is running${running ? ` (job ${running})` : ''}; wait for it to finish.`,
    );
  }
  await jobs(db).insertOne({
    _id: id,
    status: 'running',
    dryRun: opts.dryRun,
    request,
    progress: { done: 0, total: 0, date: null },
    removed: {},
    dates: [],
    startedAt: new Date(),
    actor: base.actor,
  });
  await audit(db, {
    ...base,
    action,
    target: null,
    outcome: 'success',
    details: { jobId: id, dryRun: opts.dryRun, ...request },
  });
  const pause = c.get('services').deps.config.STRATA_PURGE_PAUSE ?? 1;
  void runJob(db, logger, id, { ...opts, pause }, async () => {
    await redis.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
      1,
      lockKey,
      id,
    );
  });
  return id;
}

async function runJob(
  db: Db,
  logger: Logger,
  id: string,
  opts: { before?: number; keep?: RetentionTier[]; dryRun: boolean; pause: number },
  unlock: () => Promise<void>,
): Promise<void> {
  try {
    const result = await purge(db, {
      ...(opts.before !== undefined ? { before: opts.before } : {}),
      ...(opts.keep ? { keep: opts.keep } : {}),
      dryRun: opts.dryRun,
      pause: opts.pause,
      onProgress: async (p) => {
        await jobs(db).updateOne({ _id: id }, { $set: { progress: { done: p.done, total: p.total, date: p.date } } });
      },
    });
    await jobs(db).updateOne(
      { _id: id },
      {
        $set: {
          status: 'done',
          removed: result.documents,
          dates: result.removed,
          kept: result.kept.length,
          finishedAt: new Date(),
          progress: { done: result.removed.length, total: result.removed.length, date: result.removed.at(-1) ?? null },
        },
      },
    );
    if (!opts.dryRun && result.removed.length) {
      const ds = dataServicesOf(db);
      ds?.cache.dropDates(result.removed);
      await ds?.index.refresh();
    }
  } catch (e) {
    logger.error({ jobId: id, err: (e as Error).message }, 'purge failed');
    await jobs(db)
      .updateOne({ _id: id }, { $set: { status: 'failed', error: (e as Error).message, finishedAt: new Date() } })
      .catch(() => {});
  } finally {
    await unlock().catch(() => {});
  }
}

const Job = z
  .object({
    jobId: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    dryRun: z.boolean(),
    request: z.record(z.string(), z.unknown()),
    progress: z.object({ done: z.number(), total: z.number(), date: z.number().nullable() }),
    removed: z.record(z.string(), z.number()),
    dates: z.array(z.number()),
    kept: z.number().optional(),
    error: z.string().optional(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
  })
  .openapi('PurgeJob');

const LegacyBody = z.object({ action: z.string(), type: z.string(), date: z.number() }).strict();
const PurgeBody = z
  .object({
    before: z.union([z.number(), z.string()]).optional(),
    keep: z.string().optional(),
    dryRun: z.boolean().optional(),
  })
  .strict()
  .openapi('PurgeRequest');

async function body<T extends z.ZodType>(c: AppContext, schema: T): Promise<z.output<T>> {
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

const purgeInput = (e: unknown) => (e instanceof PurgeError ? badRequest('invalid_purge', e.message) : e);

export const purgeRoutes = [
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'post',
      path: '/api/v1/administration/purge',
      tags: ['compatibility', 'admin'],
      summary:
        'HyperProxmox purge: {"action":"purge","type":"strict","date":N} removes every snapshot older than N (in the background)',
      request: { body: { content: { 'application/json': { schema: LegacyBody } } } },
      responses: {
        202: jsonContent(
          z.object({ result: z.literal('OK'), value: z.string(), jobId: z.string() }),
          'Started; GET /api/v1/admin/purge/{jobId}',
        ),
      },
    }),
    handler: async (c) => {
      const b = await body(c, LegacyBody);
      if (b.action !== 'purge')
        throw badRequest('invalid_action', `Only action "purge" exists; got ${JSON.stringify(b.action)}.`);
      if (b.type !== 'strict')
        throw badRequest(
          'invalid_type',
          `Only type "strict" (everything before date) exists; got ${JSON.stringify(b.type)}.`,
        );
      if (!Number.isInteger(b.date) || b.date < 1_000_000_000 || b.date > 9_999_999_999) {
        throw badRequest('invalid_date', 'date must be epoch seconds (10 digits).');
      }
      const id = await startPurge(c, { before: b.date, dryRun: false }, 'purge.start');
      return c.json({ result: 'OK' as const, value: `purge of snapshots before ${b.date} started`, jobId: id }, 202);
    },
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'post',
      path: '/api/v1/admin/purge',
      tags: ['admin'],
      summary:
        'Purge snapshots older than a date or duration and/or by retention tiers (e.g. 48h:all,14d:hourly,365d:daily), optionally as a dry run',
      request: { body: { content: { 'application/json': { schema: PurgeBody } } } },
      responses: { 202: jsonContent(z.object({ jobId: z.string() }), 'Started; GET /api/v1/admin/purge/{jobId}') },
    }),
    handler: async (c) => {
      const b = await body(c, PurgeBody);
      const now = Math.floor(Date.now() / 1000);
      let before: number | undefined;
      let keep: RetentionTier[] | undefined;
      try {
        if (b.before !== undefined) before = typeof b.before === 'number' ? b.before : parseBefore(b.before, now);
        if (b.keep !== undefined) keep = parseKeepPolicy(b.keep);
      } catch (e) {
        throw purgeInput(e);
      }
      if (before === undefined && !keep)
        throw badRequest(
          'invalid_purge',
          'Give before (a date or a duration such as 30d) and/or keep (tiers such as 48h:all,14d:hourly).',
        );
      const id = await startPurge(
        c,
        {
          ...(before !== undefined ? { before } : {}),
          ...(keep ? { keep, keepText: b.keep } : {}),
          dryRun: b.dryRun ?? false,
        },
        b.dryRun ? 'purge.dry-run' : 'purge.start',
      );
      return c.json({ jobId: id }, 202);
    },
  }),
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'get',
      path: '/api/v1/admin/purge/{jobId}',
      tags: ['admin'],
      summary: 'A purge job: its progress, and once done what it removed',
      request: { params: z.object({ jobId: z.string() }) },
      responses: { 200: jsonContent(Job, 'The job') },
    }),
    handler: async (c) => {
      const id = c.req.valid('param').jobId;
      if (!/^[0-9a-f]{16}$/.test(id))
        throw badRequest('invalid_job_id', 'Parameter jobId must be 16 hexadecimal digits.');
      const j = await jobs(c.get('services').db).findOne({ _id: id });
      if (!j) throw notFound('unknown_job', `There is no purge job ${id}.`);
      return c.json(
        {
          jobId: j._id,
          status: j.status,
          dryRun: j.dryRun,
          request: j.request,
          progress: j.progress,
          removed: j.removed,
          dates: j.dates,
          ...(j.kept !== undefined ? { kept: j.kept } : {}),
          ...(j.error ? { error: j.error } : {}),
          startedAt: j.startedAt.toISOString(),
          ...(j.finishedAt ? { finishedAt: j.finishedAt.toISOString() } : {}),
        },
        200,
      );
    },
  }),
];
