import type { Redis } from 'ioredis';
import type { Collection, Db } from 'mongodb';
import type { Logger } from '../../../shared/logger.ts';
import { isTaskSuccess, parseUpid, type TaskStatus } from '../../../shared/proxmox/index.ts';
import { audit } from '../../audit.ts';
import type { Action } from '../../query/actions.ts';
import type { ClusterClients } from './cluster-clients.ts';

/**
 * Tasks of lifecycle actions (`tasks` collection): one document per action started, following the Proxmox
 * task to its end. A background follower in the process that started it polls until the task stops; any
 * process answering GET /tasks/{id} also polls a running task, so a task survives its starter's death.
 * The per-guest lock (Redis SET NX) is released when the task ends, or expires on its own.
 */
export const TASKS = 'tasks';

export interface TaskDoc {
  _id: string;
  cluster: string;
  /** The node the task runs on (from the UPID). */
  node: string;
  vmid: number;
  uid: string | null;
  guestType: 'qemu' | 'lxc';
  action: Action;
  params: Record<string, unknown>;
  upid: string;
  status: 'running' | 'stopped';
  ok?: boolean;
  exitStatus?: string;
  startedAt: Date;
  finishedAt?: Date;
  checkedAt: Date;
  actor: string;
  address: string;
  lockKey: string;
  lockToken: string;
}

export function tasks(db: Db): Collection<TaskDoc> {
  return db.collection<TaskDoc>(TASKS);
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const EXTEND =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

export async function takeLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  return (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
}

export async function releaseLock(redis: Redis, key: string, token: string): Promise<void> {
  await redis.eval(RELEASE, 1, key, token);
}

async function extendLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<void> {
  await redis.eval(EXTEND, 1, key, token, String(ttlMs));
}

export interface TaskDeps {
  db: Db;
  redis: Redis;
  clients: ClusterClients;
  logger: Logger;
  lockTtlMs: number;
  pollMs: number;
  /** Give up following after this long (the task may still finish; GET /tasks/{id} keeps polling it). */
  followMs: number;
}

/** Reads the task's status from Proxmox once and records it; ends the lock and audits when it stopped. */
export async function pollTask(deps: TaskDeps, task: TaskDoc): Promise<TaskDoc> {
  if (task.status === 'stopped') return task;
  const { client } = await deps.clients.client(task.cluster);
  const node = parseUpid(task.upid).node;
  const s = await client.get<TaskStatus>(['nodes', node, 'tasks', task.upid, 'status']);
  const now = new Date();
  if (s?.status !== 'stopped') {
    await tasks(deps.db).updateOne({ _id: task._id }, { $set: { checkedAt: now } });
    await extendLock(deps.redis, task.lockKey, task.lockToken, deps.lockTtlMs).catch(() => {});
    return { ...task, checkedAt: now };
  }
  const exitStatus = String(s.exitstatus ?? 'unexpected status');
  const update = {
    status: 'stopped' as const,
    ok: isTaskSuccess(exitStatus),
    exitStatus,
    finishedAt: now,
    checkedAt: now,
  };
  // Only the first process to see the end records it and audits it.
  const res = await tasks(deps.db).updateOne({ _id: task._id, status: 'running' }, { $set: update });
  if (res.modifiedCount === 1) {
    await releaseLock(deps.redis, task.lockKey, task.lockToken).catch(() => {});
    await audit(deps.db, {
      actor: task.actor,
      action: `guest.${task.action}.finished`,
      target: task.uid ?? `${task.cluster}/${task.vmid}`,
      outcome: update.ok ? 'success' : 'failure',
      address: task.address,
      details: { cluster: task.cluster, vmid: task.vmid, taskId: task._id, upid: task.upid, exitStatus },
    }).catch((e) => deps.logger.error({ err: (e as Error).message }, 'audit of a finished task failed'));
  }
  return { ...task, ...update };
}

/** Follows a task in the background until it stops (errors are logged, never thrown). */
export function followTask(deps: TaskDeps, taskId: string): void {
  const deadline = Date.now() + deps.followMs;
  const loop = async () => {
    for (;;) {
      await new Promise((r) => setTimeout(r, deps.pollMs));
      const task = await tasks(deps.db).findOne({ _id: taskId });
      if (!task || task.status === 'stopped') return;
      try {
        const t = await pollTask(deps, task);
        if (t.status === 'stopped') return;
      } catch (e) {
        deps.logger.warn({ taskId, err: (e as Error).message }, 'polling a task failed; retrying');
      }
      if (Date.now() > deadline) return;
    }
  };
  void loop().catch((e) => deps.logger.error({ taskId, err: (e as Error).message }, 'task follower stopped'));
}

export function taskView(t: TaskDoc) {
  return {
    taskId: t._id,
    cluster: t.cluster,
    node: t.node,
    vmid: t.vmid,
    uid: t.uid,
    guestType: t.guestType,
    upid: t.upid,
    action: t.action,
    params: t.params,
    status: t.status,
    ...(t.ok === undefined ? {} : { ok: t.ok }),
    ...(t.exitStatus === undefined ? {} : { exitStatus: t.exitStatus }),
    startedAt: t.startedAt.toISOString(),
    ...(t.finishedAt ? { finishedAt: t.finishedAt.toISOString() } : {}),
    actor: t.actor,
  };
}
