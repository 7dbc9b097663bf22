import type { ClusterDoc, SnapshotDoc } from '../../shared/store/schemas.ts';

/**
 * Health of the estate at one snapshot: how the crawl of each cluster went (from the snapshot document) and
 * each cluster's quorum, nodes online and HA state (from the `clusters` documents of that date, one per
 * cluster). Clusters the caller may not see are left out.
 */
export function healthAt(snapshot: SnapshotDoc, clusterDocs: ClusterDoc[], visible: ReadonlySet<string> | null) {
  const show = (name: string) => visible === null || visible.has(name);
  const outcomes = Object.fromEntries(
    snapshot.clusters
      .filter((o) => show(o.name))
      .map((o) => [
        o.name,
        {
          ok: o.ok,
          kind: o.kind,
          ...(o.error ? { error: o.error } : {}),
          ...(o.errorCode ? { errorCode: o.errorCode } : {}),
          durationMs: o.durationMs,
          counts: o.counts,
          ...(o.copiedFrom ? { copiedFrom: o.copiedFrom } : {}),
        },
      ]),
  );
  const missing = snapshot.expected.filter((n) => show(n) && !(n in outcomes));
  const clusters = clusterDocs
    .filter((c) => show(c.cluster))
    .map((c) => ({
      cluster: c.cluster,
      kind: c.kind,
      version: c.version ?? null,
      quorate: c.quorate ?? null,
      standalone: c.standalone,
      nodesOnline: c.nodesOnline,
      nodesTotal: c.nodes,
      ha: c.ha ?? null,
      healthy:
        (c.quorate ?? true) &&
        c.nodesOnline === c.nodes &&
        (c.ha?.quorate ?? true) &&
        (outcomes[c.cluster]?.ok ?? false),
    }))
    .sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
  return {
    date: snapshot.date,
    snapshot: {
      status: snapshot.status,
      trigger: snapshot.trigger,
      startedAt: snapshot.startedAt,
      finishedAt: snapshot.finishedAt ?? null,
      clusters: outcomes,
      /** expected clusters with no outcome (the crawl of them did not finish) */
      missing,
    },
    clusters,
    summary: {
      clusters: clusters.length,
      healthy: clusters.filter((c) => c.healthy).length,
      nodesOnline: clusters.reduce((n, c) => n + c.nodesOnline, 0),
      nodesTotal: clusters.reduce((n, c) => n + c.nodesTotal, 0),
    },
  };
}
