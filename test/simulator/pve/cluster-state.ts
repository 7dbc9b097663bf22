import type { ClusterTruth, GuestTruth, NodeTruth, StorageTruth, VolumeTruth } from '../estate.ts';
import { storageOnNode } from '../generate.ts';
import { dieError, HttpError } from '../http/errors.ts';
import { TaskRegistry } from '../tasks.ts';

/**
 * Live state of one simulated PVE cluster around its truth: lookups by vmid and by storage, the task registry and
 * timers for delayed effects (HA). Mutations go through `changed()` so indexes are rebuilt lazily.
 */
export class ClusterState {
  readonly tasks: TaskRegistry;
  private guestIndex?: Map<number, GuestTruth>;
  private volumeIndex?: Map<string, VolumeTruth[]>;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Configuration version shown in /cluster/status; bumps on every change. */
  configVersion = 17;

  constructor(
    public truth: ClusterTruth,
    readonly index: number,
    taskDurationMs: number,
    readonly now: () => number,
  ) {
    this.tasks = new TaskRegistry('pve', taskDurationMs, now);
  }

  /** Call after any change to guests or volumes. */
  changed(): void {
    this.guestIndex = undefined;
    this.volumeIndex = undefined;
    this.configVersion++;
  }

  guest(vmid: number): GuestTruth | undefined {
    if (!this.guestIndex) {
      this.guestIndex = new Map(this.truth.guests.map((g) => [g.vmid, g]));
    }
    return this.guestIndex.get(vmid);
  }

  node(name: string): NodeTruth | undefined {
    return this.truth.nodes.find((n) => n.name === name);
  }

  /** The guest of that type on that node, or PVE's 500 "Configuration file ... does not exist". */
  guestOn(node: string, type: 'qemu' | 'lxc', vmid: number): GuestTruth {
    const g = this.guest(vmid);
    if (!g || g.node !== node || g.type !== type) {
      const dir = type === 'qemu' ? 'qemu-server' : 'lxc';
      throw dieError(`Configuration file 'nodes/${node}/${dir}/${vmid}.conf' does not exist`);
    }
    return g;
  }

  storage(sid: string): StorageTruth | undefined {
    return this.truth.storages.find((s) => s.storage === sid);
  }

  /** The storage if it exists and is available on the node, else PVE's errors. */
  storageOn(node: string, sid: string): StorageTruth {
    const s = this.storage(sid);
    if (!s) throw dieError(`storage '${sid}' does not exist`);
    if (!storageOnNode(s, node)) throw dieError(`storage '${sid}' is not available on node '${node}'`);
    return s;
  }

  /** Volumes of a storage as seen from a node (shared storages: all of them). */
  volumes(storage: StorageTruth, node: string): VolumeTruth[] {
    if (!this.volumeIndex) {
      const idx = new Map<string, VolumeTruth[]>();
      for (const v of this.truth.volumes) {
        const key = `${v.storage}|${v.node ?? ''}`;
        let list = idx.get(key);
        if (!list) {
          list = [];
          idx.set(key, list);
        }
        list.push(v);
      }
      this.volumeIndex = idx;
    }
    return this.volumeIndex.get(`${storage.storage}|${storage.shared ? '' : node}`) ?? [];
  }

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  stop(): void {
    this.tasks.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export function badRequest(errors: Record<string, string>): HttpError {
  return new HttpError(400, 'Parameter verification failed.', errors);
}
