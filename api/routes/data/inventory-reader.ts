import { type Db, ObjectId } from 'mongodb';
import { type InventoryName, inventory, snapshots } from '../../../shared/store/collections.ts';
import type { SnapshotDoc } from '../../../shared/store/schemas.ts';
import type { Doc } from '../../query/guest-fields.ts';
import { SnapshotCache } from '../../query/snapshot-cache.ts';
import type { SnapshotIndex, SnapshotSummary } from './snapshot-index.ts';

/**
 * Reads inventory of published snapshots. Every query is bounded by equality on `date` (plus cluster, or uid
 * for history); results are kept in the snapshot cache by (kind, date, cluster), since a published snapshot
 * never changes. Documents are returned without the internal `run` field.
 */
export class InventoryReader {
  constructor(
    readonly db: Db,
    readonly cache: SnapshotCache,
    readonly index: SnapshotIndex,
  ) {}

  /** The clusters that have documents in a snapshot (successful outcomes; a failed cluster wrote nothing). */
  static clustersOf(s: SnapshotSummary): string[] {
    return s.clusters.filter((c) => c.ok).map((c) => c.name);
  }

  private static key(kind: string, date: number, cluster: string) {
    return `inv|${kind}|${date}|${cluster}`;
  }

  /**
   * The documents of one kind at one date for these clusters (in the order given). Missing clusters are
   * loaded with one `{date}` read split by cluster when several are missing, else one `{date, cluster}` read.
   */
  async docs(kind: InventoryName, snapshot: SnapshotSummary, clusters: readonly string[]): Promise<Doc[]> {
    const date = snapshot.date;
    const present = new Set(InventoryReader.clustersOf(snapshot));
    const wanted = clusters.filter((c) => present.has(c));
    const missing = wanted.filter((c) => this.cache.peek(InventoryReader.key(kind, date, c)) === undefined);
    if (missing.length > 1) await this.loadWholeDate(kind, date, wanted);
    const parts = await Promise.all(
      wanted.map((c) =>
        this.cache.get(
          InventoryReader.key(kind, date, c),
          [date],
          async () =>
            (await inventory(this.db, kind)
              .find({ date, cluster: c } as never, { projection: { run: 0 } })
              .toArray()) as Doc[],
          (list) => list.length,
        ),
      ),
    );
    return parts.length === 1 ? (parts[0] as Doc[]) : parts.flat();
  }

  private readonly bulkLoads = new Map<string, Promise<void>>();

  /** One `{date}` read split by cluster into cache entries; concurrent callers share it. */
  private loadWholeDate(kind: InventoryName, date: number, clusters: readonly string[]): Promise<void> {
    const k = `${kind}|${date}`;
    const running = this.bulkLoads.get(k);
    if (running) return running;
    const p = (async () => {
      const byCluster = new Map<string, Doc[]>(clusters.map((c) => [c, []]));
      const cursor = inventory(this.db, kind)
        .find({ date } as never, { projection: { run: 0 } })
        .batchSize(2000);
      for await (const d of cursor) byCluster.get(String((d as Doc).cluster))?.push(d as Doc);
      for (const [c, list] of byCluster) {
        this.cache.set(InventoryReader.key(kind, date, c), list, [date], Math.max(1, list.length));
      }
    })().finally(() => this.bulkLoads.delete(k));
    this.bulkLoads.set(k, p);
    return p;
  }

  /** Loads a newly published snapshot's guests (every cluster, one `{date}` read) into the cache. */
  async warm(snapshot: SnapshotSummary): Promise<void> {
    await this.docs('instances', snapshot, InventoryReader.clustersOf(snapshot));
  }

  /** The full snapshot document (with rollups), cached by date. */
  async snapshotDoc(date: number): Promise<SnapshotDoc | null> {
    return this.cache.get(
      `snap|${date}`,
      [date],
      () => snapshots(this.db).findOne({ date }, { projection: { _id: 0 } }) as Promise<SnapshotDoc | null>,
      () => 1,
    );
  }

  /** One document by its id (HyperProxmox's `/static/<kind>/id/<MongoID>`). */
  async byId(kind: InventoryName, id: string): Promise<Doc | null> {
    return (await inventory(this.db, kind).findOne({ _id: new ObjectId(id) } as never, {
      projection: { run: 0 },
    })) as Doc | null;
  }

  /**
   * Every document of a guest across dates (`{uid}` equality, served by the uid_date index), oldest first.
   * Cached with the newest readable date in the key, so a new snapshot is seen and old entries age out.
   */
  async byUid(kind: 'instances' | 'disks', uid: string, newest: number): Promise<Doc[]> {
    return this.cache.get(
      `uid|${kind}|${uid}|${newest}`,
      [],
      async () => {
        const docs = (await inventory(this.db, kind)
          .find({ uid } as never, { projection: { run: 0 } })
          .toArray()) as Doc[];
        return docs.sort((a, b) => Number(a.date) - Number(b.date));
      },
      (list) => list.length,
    );
  }
}

/** The cache entry of an arbitrary computed value derived from published dates (diffs, coverage, sorted lists). */
export function derived<T>(
  reader: InventoryReader,
  key: string,
  dates: number[],
  compute: () => Promise<T>,
  weight: (v: T) => number,
) {
  return reader.cache.get(`der|${key}`, dates, compute, weight);
}

export { SnapshotCache };
