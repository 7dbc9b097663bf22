/**
 * An in-memory LRU for what is read from published snapshots. A published snapshot never changes, so an
 * entry keyed by date and query never goes stale; only purge removes dates (`dropDate`). Entries are weighed
 * (documents held) and the total weight is bounded. Concurrent misses for one key share one load.
 */
export class SnapshotCache {
  private readonly entries = new Map<string, { value: unknown; weight: number; dates: number[] }>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private weight = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxWeight: number) {}

  get size(): number {
    return this.entries.size;
  }

  get totalWeight(): number {
    return this.weight;
  }

  peek<T>(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value as T;
  }

  /**
   * Returns the cached value or loads it. `dates` are the snapshot dates the value depends on (for purge);
   * `weigh` tells how many documents it holds (values heavier than the whole cache are returned, not kept).
   */
  async get<T>(key: string, dates: number[], load: () => Promise<T>, weigh: (v: T) => number): Promise<T> {
    const hit = this.peek<T>(key);
    if (hit !== undefined) {
      this.hits++;
      return hit;
    }
    const running = this.inflight.get(key);
    if (running) {
      this.hits++;
      return running as Promise<T>;
    }
    this.misses++;
    const p = load().then(
      (value) => {
        this.inflight.delete(key);
        this.set(key, value, dates, Math.max(1, weigh(value)));
        return value;
      },
      (e) => {
        this.inflight.delete(key);
        throw e;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  set(key: string, value: unknown, dates: number[], weight: number): void {
    if (weight > this.maxWeight) return;
    const old = this.entries.get(key);
    if (old) {
      this.weight -= old.weight;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, weight, dates });
    this.weight += weight;
    for (const [k, e] of this.entries) {
      if (this.weight <= this.maxWeight) break;
      this.entries.delete(k);
      this.weight -= e.weight;
    }
  }

  /** Forgets everything read from these dates (called after a purge removes them). */
  dropDates(dates: Iterable<number>): void {
    const gone = new Set(dates);
    for (const [k, e] of this.entries) {
      if (e.dates.some((d) => gone.has(d))) {
        this.entries.delete(k);
        this.weight -= e.weight;
      }
    }
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }
}
