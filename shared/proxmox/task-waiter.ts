import { setTimeout as sleep } from 'node:timers/promises';
import { ProxmoxError, TimeoutError } from './errors.ts';
import { parseUpid } from './upid.ts';

/** The fields of GET /nodes/{node}/tasks/{upid}/status that the waiter reads (PVE and PBS alike). */
export interface TaskStatus {
  upid: string;
  node?: string;
  status: 'running' | 'stopped' | string;
  /** Only when stopped: "OK", "WARNINGS: N", or the error text. */
  exitstatus?: string;
  type?: string;
  id?: string;
  user?: string;
  starttime?: number;
  [key: string]: unknown;
}

export interface TaskResult {
  /** True when the task stopped with "OK" or "WARNINGS: N" (Proxmox's own notion of success). */
  ok: boolean;
  /** The exit status as Proxmox wrote it. */
  exitStatus: string;
  /** The last status read. */
  status: TaskStatus;
  upid: string;
  /** How long we waited, ms, from the first poll to seeing the task stopped. */
  durationMs: number;
}

export interface WaitForTaskOptions {
  /** Give up after this long (default 10 min). */
  timeoutMs?: number;
  /** Delay between polls (default 1 s). */
  pollMs?: number;
  signal?: AbortSignal;
}

/** The one call the waiter needs from a client. */
export interface TaskStatusReader {
  readonly kind: 'pve' | 'pbs';
  get<T>(path: ReadonlyArray<string | number>, query?: undefined, options?: { signal?: AbortSignal }): Promise<T>;
}

/** True for Proxmox's successful exit statuses: "OK" and "WARNINGS: N". */
export function isTaskSuccess(exitStatus: string): boolean {
  return exitStatus === 'OK' || /^WARNINGS: \d+$/.test(exitStatus);
}

/** Polls `/nodes/{node}/tasks/{upid}/status` until the task stops; throws TimeoutError if it does not in time. */
export async function waitForTask(
  client: TaskStatusReader,
  upid: string,
  options: WaitForTaskOptions = {},
): Promise<TaskResult> {
  const parsed = parseUpid(upid);
  const timeoutMs = options.timeoutMs ?? 10 * 60 * 1000;
  const pollMs = options.pollMs ?? 1000;
  const started = performance.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const status = await client.get<TaskStatus>(['nodes', parsed.node, 'tasks', upid, 'status'], undefined, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (status?.status === 'stopped') {
      const exitStatus = String(status.exitstatus ?? 'unexpected status');
      return {
        ok: isTaskSuccess(exitStatus),
        exitStatus,
        status,
        upid,
        durationMs: Math.round(performance.now() - started),
      };
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new TimeoutError(
        `Task ${parsed.type}${parsed.id ? ` ${parsed.id}` : ''} on node ${parsed.node} (${upid}) was still ${status?.status ?? 'unknown'} after ${timeoutMs} ms; check it in the task log, or wait longer.`,
        'task',
        timeoutMs,
        { endpoint: `GET /nodes/${parsed.node}/tasks/{upid}/status` },
      );
    }
    try {
      await sleep(Math.min(pollMs, left), undefined, options.signal ? { signal: options.signal } : {});
    } catch (err) {
      throw new ProxmoxError('ABORTED', `Waiting for task ${upid} was cancelled by the caller.`, { cause: err });
    }
  }
}
