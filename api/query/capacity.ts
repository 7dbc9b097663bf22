import { sumCapacity } from '../../shared/store/rollups.ts';
import type { Capacity, ClusterRollup, NodeRollup, SnapshotDoc } from '../../shared/store/schemas.ts';

/**
 * Capacity and health shaped from the rollups the crawler stores on each snapshot document: nothing here
 * scans inventory. CPU and memory are allocated (what guests are given) against physical (what nodes have);
 * the ratio above 1 is the overcommit. Storage counts shared storage once per cluster.
 */
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

export interface CapacityFigures {
  cpu: {
    physical: number;
    allocated: number;
    allocatedRunning: number;
    ratio: number | null;
    ratioRunning: number | null;
  };
  memory: {
    physical: number;
    used: number;
    allocated: number;
    allocatedRunning: number;
    ratio: number | null;
    ratioRunning: number | null;
    usedFraction: number | null;
  };
  storage: {
    total: number;
    used: number;
    free: number;
    usedFraction: number | null;
    /** guest disks and unattached volumes, against total storage */
    allocated: number;
    allocatedRatio: number | null;
  };
}

export function capacityFigures(c: Capacity): CapacityFigures {
  return {
    cpu: {
      physical: c.cpuPhysical,
      allocated: c.cpuAllocated,
      allocatedRunning: c.cpuAllocatedRunning,
      ratio: ratio(c.cpuAllocated, c.cpuPhysical),
      ratioRunning: ratio(c.cpuAllocatedRunning, c.cpuPhysical),
    },
    memory: {
      physical: c.memPhysicalBytes,
      used: c.memUsedBytes,
      allocated: c.memAllocatedBytes,
      allocatedRunning: c.memAllocatedRunningBytes,
      ratio: ratio(c.memAllocatedBytes, c.memPhysicalBytes),
      ratioRunning: ratio(c.memAllocatedRunningBytes, c.memPhysicalBytes),
      usedFraction: ratio(c.memUsedBytes, c.memPhysicalBytes),
    },
    storage: {
      total: c.storageTotalBytes,
      used: c.storageUsedBytes,
      free: Math.max(0, c.storageTotalBytes - c.storageUsedBytes),
      usedFraction: ratio(c.storageUsedBytes, c.storageTotalBytes),
      allocated: c.diskAllocatedBytes,
      allocatedRatio: ratio(c.diskAllocatedBytes, c.storageTotalBytes),
    },
  };
}

export type NodeCapacity = CapacityFigures & { node: string; instances: number };
export type ClusterCapacity = CapacityFigures & {
  cluster: string;
  ok: boolean;
  sharedStorage: { total: number; used: number };
  nodes: NodeCapacity[];
};

const nodeCapacity = (n: NodeRollup): NodeCapacity => ({ node: n.node, instances: n.instances, ...capacityFigures(n) });

export function clusterCapacity(name: string, ok: boolean, r: ClusterRollup): ClusterCapacity {
  return {
    cluster: name,
    ok,
    ...capacityFigures(r),
    sharedStorage: { total: r.sharedStorageTotalBytes, used: r.sharedStorageUsedBytes },
    nodes: r.nodes.map(nodeCapacity).sort((a, b) => (a.node < b.node ? -1 : 1)),
  };
}

/** Capacity at one snapshot for the clusters the caller may see (`visible` null: all). */
export function capacityAt(snapshot: SnapshotDoc, visible: ReadonlySet<string> | null) {
  const clusters = snapshot.clusters
    .filter((o) => o.rollup && o.kind === 'pve' && (visible === null || visible.has(o.name)))
    .map((o) => clusterCapacity(o.name, o.ok, o.rollup as ClusterRollup))
    .sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
  const total = capacityFigures(
    sumCapacity(
      snapshot.clusters
        .filter((o) => o.rollup && (visible === null || visible.has(o.name)))
        .map((o) => o.rollup as Capacity),
    ),
  );
  return { date: snapshot.date, status: snapshot.status, total, clusters };
}

export interface CapacityPoint extends CapacityFigures {
  date: number;
  cluster: string;
}

/**
 * One point per snapshot and cluster (and one `cluster: '*'` point for the visible estate), oldest first.
 * With more snapshots than `maxPoints`, evenly spaced snapshots are kept, always with the first and last.
 */
export function sampleEvenly<T extends { date: number }>(items: readonly T[], maxPoints: number): T[] {
  const sorted = [...items].sort((a, b) => a.date - b.date);
  if (sorted.length <= maxPoints) return sorted;
  const idx = new Set(
    Array.from({ length: maxPoints }, (_, i) => Math.round((i * (sorted.length - 1)) / (maxPoints - 1))),
  );
  return [...idx].map((i) => sorted[i] as T);
}

export function capacityRange(snapshots: SnapshotDoc[], visible: ReadonlySet<string> | null, maxPoints: number) {
  const sorted = [...snapshots].sort((a, b) => a.date - b.date);
  const picked = sampleEvenly(sorted, maxPoints);
  const points: CapacityPoint[] = [];
  for (const s of picked) {
    const outcomes = s.clusters.filter((o) => o.rollup && (visible === null || visible.has(o.name)));
    for (const o of outcomes) points.push({ date: s.date, cluster: o.name, ...capacityFigures(o.rollup as Capacity) });
    points.push({
      date: s.date,
      cluster: '*',
      ...capacityFigures(sumCapacity(outcomes.map((o) => o.rollup as Capacity))),
    });
  }
  return { points, snapshots: sorted.length, sampled: picked.length };
}
