import { randomBytes } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { audit } from '../../audit.ts';
import { mayOnCluster } from '../../auth/access.ts';
import { clientAddress } from '../../client-address.ts';
import { type AppContext, principalOf } from '../../context.ts';
import {
  type Action,
  actionLockKey,
  checkAction,
  type GuestType,
  parseAction,
  proxmoxCall,
} from '../../query/actions.ts';
import { badRequest, conflict, DataApiError, forbidden, notFound } from '../../query/errors.ts';
import { parseClusterName, parseUid, parseVmid } from '../../query/params.ts';
import { clusterParam, defineRoute } from '../../routing.ts';
import { proxmoxFailure } from './cluster-clients.ts';
import { dataServices, visibleSet } from './data-services.ts';
import { jsonContent, UidParam } from './schemas.ts';
import { followTask, pollTask, releaseLock, type TaskDoc, takeLock, tasks, taskView } from './task-store.ts';

/**
 * Lifecycle actions (POST only): the guest's current node and type are read live from the cluster
 * (`/cluster/resources?type=vm`), never from an old snapshot; one action per guest at a time (Redis lock,
 * 409 otherwise); the action answers at once with a task id that GET /tasks/{id} follows to its end.
 * Every attempt is audited, refused ones included.
 */

const Body = z
  .object({
    target: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, 'must be a node name')
      .optional(),
    online: z.boolean().optional(),
  })
  .strict()
  .openapi('ActionRequest');

const Accepted = z
  .object({
    taskId: z.string(),
    upid: z.string(),
    cluster: z.string(),
    node: z.string(),
    vmid: z.number(),
    action: z.string(),
  })
  .openapi('ActionAccepted');

const TaskSchema = z.record(z.string(), z.unknown()).openapi('Task', {
  description:
    '{taskId, cluster, node, vmid, uid, upid, action, status: running|stopped, ok?, exitStatus?, startedAt, finishedAt?}',
});

interface LiveGuest {
  vmid: number;
  node: string;
  type: GuestType;
  status: string;
  name?: string;
}

async function readBody(c: AppContext): Promise<z.infer<typeof Body>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badRequest('invalid_body', 'The request body is not JSON.');
  }
  const r = Body.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw badRequest(
      'invalid_body',
      `Invalid body${i?.path.length ? `.${i.path.join('.')}` : ''}: ${i?.message ?? 'invalid'}.`,
    );
  }
  return r.data;
}

/** The newest readable snapshot's document of a uid the caller may see. */
async function guestByUid(c: AppContext, uid: string) {
  const { index, reader } = dataServices(c);
  const readable = await index.readable();
  const dates = new Set(readable.map((s) => s.date));
  const visible = await visibleSet(c);
  const docs = (await reader.byUid('instances', uid, readable[0]?.date ?? 0)).filter(
    (d) => dates.has(Number(d.date)) && (visible === null || visible.has(String(d.cluster))),
  );
  const newest = docs[docs.length - 1];
  if (!newest) throw notFound('unknown_guest', `No published snapshot has a guest with uid ${uid} that you may see.`);
  return newest;
}

const metaCtime = (meta: unknown) => {
  const m = typeof meta === 'string' ? /(?:^|,)ctime=(\d+)/.exec(meta) : null;
  return m ? Number(m[1]) : undefined;
};

async function runAction(
  c: AppContext,
  target: { cluster: string; vmid: number; uid: string | null; expect?: { type: string; ctime?: number } },
  action: Action,
): Promise<Response> {
  const principal = principalOf(c);
  const { db } = c.get('services');
  const ds = dataServices(c);
  const auditBase = { actor: principal.actor, address: clientAddress(c), requestId: c.get('requestId') };
  const subject = target.uid ?? `${target.cluster}/${target.vmid}`;
  const fail = async (e: DataApiError, outcome: 'failure' | 'denied' = 'failure') => {
    await audit(db, {
      ...auditBase,
      action: `guest.${action}`,
      target: subject,
      outcome,
      details: { cluster: target.cluster, vmid: target.vmid, code: e.code, reason: e.message },
    });
    return e;
  };

  if (!(await mayOnCluster(db, principal, 'manage', target.cluster))) {
    throw await fail(forbidden('forbidden', `This needs the manage role on cluster ${target.cluster}.`), 'denied');
  }
  const body = await readBody(c).catch(async (e) => {
    throw e instanceof DataApiError ? await fail(e) : e;
  });

  let client: Awaited<ReturnType<typeof ds.clients.client>>['client'];
  try {
    const got = await ds.clients.client(target.cluster);
    if (!got.entry.enabled)
      throw conflict('cluster_disabled', `Cluster ${target.cluster} is disabled; enable it to act on its guests.`);
    if (got.entry.kind !== 'pve')
      throw badRequest('not_pve', `${target.cluster} is a Backup Server: it has no guests.`);
    client = got.client;
  } catch (e) {
    throw e instanceof DataApiError ? await fail(e) : e;
  }
  const what = `${action} of guest ${target.vmid} on ${target.cluster}`;

  // Where the guest is now, from the cluster itself.
  let live: LiveGuest;
  try {
    const resources = await client.get<LiveGuest[]>('/cluster/resources', { type: 'vm' });
    const found = resources.find((r) => Number(r.vmid) === target.vmid);
    if (!found) throw notFound('guest_gone', `Guest ${target.vmid} no longer exists on cluster ${target.cluster}.`);
    live = { ...found, vmid: Number(found.vmid) };
    if (target.expect && live.type !== target.expect.type) {
      throw conflict(
        'guest_replaced',
        `Guest ${target.vmid} on ${target.cluster} is now a different guest (${live.type}); uid ${target.uid} is gone.`,
      );
    }
    if (target.expect?.ctime !== undefined && live.type === 'qemu') {
      const cfg = await client.get<{ meta?: string }>(['nodes', live.node, 'qemu', target.vmid, 'config']);
      const now = metaCtime(cfg?.meta);
      if (now !== undefined && now !== target.expect.ctime) {
        throw conflict(
          'guest_replaced',
          `Guest ${target.vmid} on ${target.cluster} was recreated since; uid ${target.uid} is gone.`,
        );
      }
    }
    checkAction(action, live.type, body, live.node);
    if (action === 'migrate') {
      const nodes = await client.get<{ node: string; status: string }[]>('/nodes');
      const t = nodes.find((n) => n.node === body.target);
      if (!t) {
        throw badRequest(
          'unknown_target',
          `Node ${body.target} is not in cluster ${target.cluster} (its nodes: ${nodes
            .map((n) => n.node)
            .sort()
            .join(', ')}).`,
        );
      }
      if (t.status !== 'online')
        throw conflict('target_offline', `Node ${body.target} is ${t.status}; migrate to an online node.`);
    }
  } catch (e) {
    throw await fail(e instanceof DataApiError ? e : proxmoxFailure(e, what));
  }

  const lockKey = actionLockKey(ds.redisPrefix, target.cluster, target.vmid);
  const taskId = randomBytes(8).toString('hex');
  if (!(await takeLock(c.get('services').redis, lockKey, taskId, ds.tasks.lockTtlMs))) {
    const holder = await c.get('services').redis.get(lockKey);
    throw await fail(
      conflict(
        'action_in_progress',
        `Another action on guest ${target.vmid} of ${target.cluster} is still running${holder ? ` (task ${holder})` : ''}; wait for it to end.`,
      ),
    );
  }

  let upid: string;
  const call = proxmoxCall(action, live, body);
  try {
    upid = await client.post<string>(call.path, call.params);
    if (typeof upid !== 'string' || !upid.startsWith('UPID:'))
      throw new Error(`Proxmox answered ${JSON.stringify(upid)} instead of a task id`);
  } catch (e) {
    await releaseLock(c.get('services').redis, lockKey, taskId).catch(() => {});
    throw await fail(proxmoxFailure(e, what));
  }
  const now = new Date();
  const task: TaskDoc = {
    _id: taskId,
    cluster: target.cluster,
    node: upid.split(':')[1] ?? live.node,
    vmid: target.vmid,
    uid: target.uid,
    guestType: live.type,
    action,
    params: { ...call.params, fromNode: live.node },
    upid,
    status: 'running',
    startedAt: now,
    checkedAt: now,
    actor: principal.actor,
    address: auditBase.address,
    lockKey,
    lockToken: taskId,
  };
  await tasks(db).insertOne(task);
  await audit(db, {
    ...auditBase,
    action: `guest.${action}`,
    target: subject,
    outcome: 'success',
    details: { cluster: target.cluster, vmid: target.vmid, node: live.node, taskId, upid, ...call.params },
  });
  followTask(ds.tasks, taskId);
  return c.json({ taskId, upid, cluster: target.cluster, node: live.node, vmid: target.vmid, action }, 202);
}

const actionParams = z.object({
  action: z
    .string()
    .openapi({ example: 'start', description: 'start, stop, shutdown, reboot, reset, suspend, resume or migrate' }),
});
const requestBody = {
  body: {
    required: false,
    content: { 'application/json': { schema: Body } },
    description: 'migrate: {"target": "<node>", "online": true}',
  },
};

export const actionRoutes = [
  defineRoute({
    privilege: 'manage',
    acrossClusters: true,
    route: createRoute({
      method: 'post',
      path: '/api/v1/guests/{uid}/actions/{action}',
      tags: ['actions'],
      summary: 'Start, stop, shutdown, reboot, reset, suspend, resume or migrate a guest given by uid',
      request: { params: actionParams.extend({ uid: UidParam }), ...requestBody },
      responses: {
        202: jsonContent(Accepted, 'Started; follow GET /api/v1/tasks/{taskId}'),
        409: jsonContent(z.object({}), 'Another action runs, or the guest was replaced'),
      },
    }),
    handler: async (c) => {
      const p = c.req.param();
      const uid = parseUid(p.uid ?? '');
      const action = parseAction(p.action ?? '');
      const g = await guestByUid(c, uid);
      return runAction(
        c,
        {
          cluster: String(g.cluster),
          vmid: Number(g.vmid),
          uid,
          expect: {
            type: String(g.type),
            ...(g.uidSource === 'ctime' && typeof g.ctime === 'number' ? { ctime: g.ctime } : {}),
          },
        },
        action,
      ) as never;
    },
  }),
  defineRoute({
    privilege: 'manage',
    scope: clusterParam(),
    route: createRoute({
      method: 'post',
      path: '/api/v1/clusters/{cluster}/guests/{vmid}/actions/{action}',
      tags: ['actions'],
      summary: 'The same action on a guest given by cluster and vmid',
      request: { params: actionParams.extend({ cluster: z.string(), vmid: z.string() }), ...requestBody },
      responses: { 202: jsonContent(Accepted, 'Started; follow GET /api/v1/tasks/{taskId}') },
    }),
    handler: async (c) => {
      const p = c.req.param();
      const cluster = parseClusterName(p.cluster ?? '');
      const vmid = parseVmid(p.vmid ?? '');
      const action = parseAction(p.action ?? '');
      return runAction(c, { cluster, vmid, uid: null }, action) as never;
    },
  }),
  defineRoute({
    privilege: 'audit',
    acrossClusters: true,
    route: createRoute({
      method: 'get',
      path: '/api/v1/tasks/{taskId}',
      tags: ['actions'],
      summary: "An action's task: running or stopped, and its exit status (read live from Proxmox while running)",
      request: { params: z.object({ taskId: z.string().openapi({ example: '9f2c4e1a7b3d5f60' }) }) },
      responses: { 200: jsonContent(TaskSchema, 'The task') },
    }),
    handler: async (c) => {
      const id = c.req.valid('param').taskId;
      if (!/^[0-9a-f]{16}$/.test(id))
        throw badRequest(
          'invalid_task_id',
          `Parameter taskId must be 16 hexadecimal digits; got ${JSON.stringify(id)}.`,
        );
      let task = await tasks(c.get('services').db).findOne({ _id: id });
      const visible = await visibleSet(c);
      if (!task || (visible !== null && !visible.has(task.cluster)))
        throw notFound('unknown_task', `There is no task ${id}.`);
      if (task.status === 'running' && Date.now() - task.checkedAt.getTime() > 500) {
        try {
          task = await pollTask(dataServices(c).tasks, task);
        } catch (e) {
          c.get('log')?.warn({ taskId: id, err: (e as Error).message }, 'reading task status failed');
        }
      }
      return c.json(taskView(task), 200);
    },
  }),
];
