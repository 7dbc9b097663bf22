import { createRoute, z } from '@hono/zod-openapi';
import { defineRoute } from '../routing.ts';
import { ErrorSchema } from '../schemas.ts';

const CHECK_TIMEOUT_MS = 2000;

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

const Checks = z.object({ mongodb: z.enum(['ok', 'down']), redis: z.enum(['ok', 'down']) });

/** Liveness says only that the process answers; readiness checks MongoDB and Redis and says which is down. */
export const healthRoutes = [
  defineRoute({
    privilege: 'public',
    route: createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['health'],
      summary: 'Liveness: the process answers',
      responses: {
        200: {
          description: 'Alive',
          content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
        },
      },
    }),
    handler: (c) => c.json({ status: 'ok' as const }, 200),
  }),
  defineRoute({
    privilege: 'public',
    route: createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['health'],
      summary: 'Readiness: MongoDB and Redis answer',
      responses: {
        200: {
          description: 'Ready',
          content: { 'application/json': { schema: z.object({ status: z.literal('ready'), checks: Checks }) } },
        },
        503: {
          description: 'A dependency is down; `checks` says which.',
          content: { 'application/json': { schema: ErrorSchema.extend({ checks: Checks }) } },
        },
      },
    }),
    handler: async (c) => {
      const { db, redis } = c.get('services');
      const [mongodb, redisState] = await Promise.all([
        check(() => db.command({ ping: 1 })),
        check(() => redis.ping()),
      ]);
      const checks = { mongodb, redis: redisState };
      const down = [mongodb === 'down' && 'MongoDB', redisState === 'down' && 'Redis'].filter(Boolean);
      if (down.length) {
        return c.json(
          {
            error: {
              code: 'not_ready',
              message: `Not ready: ${down.join(' and ')} ${down.length > 1 ? 'are' : 'is'} unreachable.`,
            },
            checks,
          },
          503,
        );
      }
      return c.json({ status: 'ready' as const, checks }, 200);
    },
  }),
];
