import type {
  Capacity,
  ClusterDocuments,
  ClusterOutcome,
  ClusterRollup,
  Counts,
  NodeRollup,
  SnapshotDoc,
} from './schemas.ts';

/**
 * Counts and capacity rollups, computed once when a cluster's documents are built and stored with the
 * snapshot, so nobody ever scans inventory for a total. Shared storage is counted once per cluster; only
 * storage that holds disk images or container volumes counts as capacity (backup targets do not).
 */

export function emptyCounts(): Counts {
  return {
    nodes: 0,
    nodesOnline: 0,
    instances: 0,
    qemu: 0,
    lxc: 0,
    running: 0,
    templates: 0,
    disks: 0,
    unattachedDisks: 0,
    storages: 0,
    backups: 0,
    backupBytes: 0,
    duplicates: 0,
  };
}

export function emptyCapacity(): Capacity {
  return {
    cpuPhysical: 0,
    cpuAllocated: 0,
    cpuAllocatedRunning: 0,
    memPhysicalBytes: 0,
    memUsedBytes: 0,
    memAllocatedBytes: 0,
    memAllocatedRunningBytes: 0,
    storageTotalBytes: 0,
    storageUsedBytes: 0,
    diskAllocatedBytes: 0,
  };
}

export function countDocuments(docs: ClusterDocuments): Counts {
  const c = emptyCounts();
  c.nodes = docs.nodes.length;
  c.nodesOnline = docs.nodes.filter((n) => n.online).length;
  for (const i of docs.instances) {
    c.instances++;
    if (i.type === 'qemu') c.qemu++;
    else c.lxc++;
    if (i.status === 'running') c.running++;
    if (i.template) c.templates++;
    if (i.duplicateOf) c.duplicates++;
  }
  c.disks = docs.disks.length;
  c.unattachedDisks = docs.disks.filter((d) => !d.attached && !d.unused).length;
  c.storages = docs.storages.length;
  c.backups = docs.backups.length;
  c.backupBytes = docs.backups.reduce((s, b) => s + b.sizeBytes, 0);
  return c;
}

const holdsDisks = (content: string[]) => content.includes('images') || content.includes('rootdir');

export function rollupDocuments(docs: ClusterDocuments): ClusterRollup {
  const nodes = new Map<string, NodeRollup>();
  const nodeOf = (node: string) => {
    let n = nodes.get(node);
    if (!n) {
      n = { node, instances: 0, ...emptyCapacity() };
      nodes.set(node, n);
    }
    return n;
  };
  for (const n of docs.nodes) {
    const r = nodeOf(n.node);
    r.cpuPhysical = n.cpus;
    r.memPhysicalBytes = n.memTotalBytes;
    r.memUsedBytes = n.memUsedBytes;
  }
  for (const i of docs.instances) {
    const r = nodeOf(i.node);
    r.instances++;
    if (i.template) continue;
    r.cpuAllocated += i.vcpus;
    r.memAllocatedBytes += i.memoryBytes;
    if (i.status === 'running') {
      r.cpuAllocatedRunning += i.vcpus;
      r.memAllocatedRunningBytes += i.memoryBytes;
    }
  }
  for (const d of docs.disks) nodeOf(d.node).diskAllocatedBytes += d.sizeBytes;
  let sharedTotal = 0;
  let sharedUsed = 0;
  for (const s of docs.storages) {
    if (!holdsDisks(s.content)) continue;
    if (s.shared || !s.node) {
      sharedTotal += s.totalBytes;
      sharedUsed += s.usedBytes;
    } else {
      const r = nodeOf(s.node);
      r.storageTotalBytes += s.totalBytes;
      r.storageUsedBytes += s.usedBytes;
    }
  }
  const list = [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node));
  const total = sumCapacity(list);
  total.storageTotalBytes += sharedTotal;
  total.storageUsedBytes += sharedUsed;
  return { ...total, sharedStorageTotalBytes: sharedTotal, sharedStorageUsedBytes: sharedUsed, nodes: list };
}

export function sumCapacity(items: Capacity[]): Capacity {
  const out = emptyCapacity();
  for (const c of items) for (const k of Object.keys(out) as (keyof Capacity)[]) out[k] += c[k];
  return out;
}

export function sumCounts(items: Counts[]): Counts {
  const out = emptyCounts();
  for (const c of items) for (const k of Object.keys(out) as (keyof Counts)[]) out[k] += c[k];
  return out;
}

/** Snapshot totals from its clusters' outcomes. */
export function snapshotTotals(outcomes: ClusterOutcome[]): Pick<SnapshotDoc, 'totals' | 'rollups'> {
  const ok = outcomes.filter((o) => o.ok);
  return {
    totals: { ...sumCounts(ok.map((o) => o.counts)), clusters: outcomes.length, clustersOk: ok.length },
    rollups: sumCapacity(ok.flatMap((o) => (o.rollup ? [o.rollup] : []))),
  };
}
