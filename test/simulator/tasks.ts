import { pbsUpid, pveUpid } from './upid.ts';

export interface TaskRecord {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  tokenid?: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

export interface StartTask {
  node: string;
  type: string;
  id: string;
  /** Full authid (user or token id) shown in the UPID. */
  user: string;
  tokenid?: string;
  pstart: number;
  durationMs?: number;
  log?: string[];
  /** Runs when the task ends; returns an error text for a failed task, or nothing for OK. */
  run?: () => string | undefined;
}

/**
 * Running and finished tasks of one PVE cluster or PBS. A task runs for `durationMs`, then its effect is applied and
 * it stops with exitstatus "OK" or the error text. Timers are unref'd and cleared by `stop()`.
 */
export class TaskRegistry {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly order: TaskRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextPid = 0x1000 + Math.floor(Math.random() * 0x10000);
  private nextTaskId = 0;

  constructor(
    private readonly kind: 'pve' | 'pbs',
    private readonly defaultDurationMs: number,
    private readonly now: () => number,
  ) {}

  start(p: StartTask): TaskRecord {
    const starttime = this.now();
    const pid = this.nextPid++;
    const upid =
      this.kind === 'pve'
        ? pveUpid({ node: p.node, pid, pstart: p.pstart, starttime, type: p.type, id: p.id, user: p.user })
        : pbsUpid({
            node: p.node,
            pid,
            pstart: p.pstart,
            taskId: this.nextTaskId++,
            starttime,
            type: p.type,
            id: p.id,
            user: p.user,
          });
    const task: TaskRecord = {
      upid,
      node: p.node,
      pid,
      pstart: p.pstart,
      starttime,
      type: p.type,
      id: p.id,
      user: p.user,
      status: 'running',
      log: [...(p.log ?? [])],
    };
    if (p.tokenid) task.tokenid = p.tokenid;
    this.tasks.set(upid, task);
    this.order.push(task);
    if (this.order.length > 2000) {
      const old = this.order.shift();
      if (old && old.status === 'stopped') this.tasks.delete(old.upid);
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      let error: string | undefined;
      try {
        error = p.run?.();
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      task.status = 'stopped';
      task.endtime = this.now();
      task.exitstatus = error ?? 'OK';
      task.log.push(error ? `TASK ERROR: ${error}` : 'TASK OK');
    }, p.durationMs ?? this.defaultDurationMs);
    timer.unref();
    this.timers.add(timer);
    return task;
  }

  get(upid: string): TaskRecord | undefined {
    return this.tasks.get(upid);
  }

  /** A task for this guest is still running. */
  busy(vmid: number): boolean {
    const id = String(vmid);
    for (let i = this.order.length - 1; i >= 0 && i >= this.order.length - 200; i--) {
      const t = this.order[i] as TaskRecord;
      if (t.id === id && t.status === 'running') return true;
    }
    return false;
  }

  list(node: string): TaskRecord[] {
    return this.order.filter((t) => t.node === node).reverse();
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
