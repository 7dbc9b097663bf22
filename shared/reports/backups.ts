/**
 * `backups`: coverage per guest (newest backup no older than --max-age-hours at the snapshot's date), its age,
 * protection and verification state, then the backups whose guest no longer exists (orphans).
 */
import type { InstanceDoc } from '../store/schemas.ts';
import { BackupIndex, backupsOf, type GuestsByVmid, guestBackups, isOrphan, loadGuestsByVmid } from './backup-index.ts';
import { baseMeta, type ReportContext } from './context.ts';
import { formatBytes, round } from './format.ts';
import type { Column, Report, Row } from './model.ts';
import { barChart, PALETTE } from './svg.ts';

/** Default coverage threshold: a daily job plus slack (PegaProx warns after 36 h too). */
export const DEFAULT_MAX_AGE_HOURS = 36;

export const COVERAGE_COLUMNS: Column[] = [
  { key: 'id', label: 'ID (cluster/vmid)' },
  { key: 'uid', label: 'UID' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'node', label: 'Node' },
  { key: 'vmid', label: 'VMID', kind: 'int' },
  { key: 'type', label: 'Type' },
  { key: 'name', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: 'covered', label: 'Covered', kind: 'bool' },
  { key: 'last_backup', label: 'Last backup', kind: 'date' },
  { key: 'age_hours', label: 'Age', kind: 'hours' },
  { key: 'backups', label: 'Backups', kind: 'int' },
  { key: 'protected', label: 'Protected', kind: 'int' },
  { key: 'verified', label: 'Verified', kind: 'int' },
  { key: 'verify_failed', label: 'Verify failed', kind: 'int' },
  { key: 'last_storage', label: 'Last backup storage' },
  { key: 'last_size_bytes', label: 'Last backup size', kind: 'bytes' },
  { key: 'last_verification', label: 'Last verification' },
  { key: 'last_encrypted', label: 'Last encrypted', kind: 'bool' },
];

export const ORPHAN_BACKUP_COLUMNS: Column[] = [
  { key: 'id', label: 'ID (cluster/volid)' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'storage', label: 'Storage' },
  { key: 'volid', label: 'Volume' },
  { key: 'vmid', label: 'VMID', kind: 'int' },
  { key: 'backup_type', label: 'Backup type' },
  { key: 'backup_time', label: 'Backup time', kind: 'date' },
  { key: 'size_bytes', label: 'Size', kind: 'bytes' },
  { key: 'protected', label: 'Protected', kind: 'bool' },
  { key: 'verification', label: 'Verification' },
];

export function backupsReport(ctx: ReportContext, maxAgeHours = DEFAULT_MAX_AGE_HOURS): Report {
  const { db, date } = ctx;
  const pveAll = ctx.allClusters.filter((c) => c.kind === 'pve').map((c) => c.name);
  const perCluster = new Map<string, { covered: number; uncovered: number; never: number }>();
  const totals = { guests: 0, covered: 0, never: 0, orphans: 0, orphanBytes: 0, verifyFailed: 0, templates: 0 };
  const guestsByCluster = new Map<string, GuestsByVmid>();

  async function* coverageRows(): AsyncGenerator<Row> {
    for (const { name: cluster, kind } of ctx.clusters) {
      if (kind !== 'pve') continue;
      const own = await BackupIndex.load(db, date, [cluster]);
      const stats = { covered: 0, uncovered: 0, never: 0 };
      perCluster.set(cluster, stats);
      const byVmid: GuestsByVmid = new Map();
      guestsByCluster.set(cluster, byVmid);
      const cursor = db
        .collection<InstanceDoc>('instances')
        .find({ date, cluster }, { projection: { _id: 0, nics: 0, notes: 0 } })
        .batchSize(1000);
      for await (const g of cursor) {
        byVmid.set(g.vmid, [...(byVmid.get(g.vmid) ?? []), { type: g.type, ctime: g.ctime }]);
        if (g.template) {
          totals.templates++;
          continue;
        }
        const b = guestBackups(g, own);
        const last = b.newest?.time;
        const age = last === undefined ? undefined : round(Math.max(0, date - last) / 3600, 1);
        const covered = age !== undefined && age <= maxAgeHours;
        totals.guests++;
        if (covered) {
          totals.covered++;
          stats.covered++;
        } else stats.uncovered++;
        if (last === undefined) {
          totals.never++;
          stats.never++;
        }
        totals.verifyFailed += b.verifyFailed;
        yield {
          id: `${cluster}/${g.vmid}`,
          uid: g.uid,
          cluster,
          node: g.node,
          vmid: g.vmid,
          type: g.type,
          name: g.name,
          status: g.status,
          covered,
          last_backup: last,
          age_hours: age,
          backups: b.count,
          protected: b.protected,
          verified: b.verified,
          verify_failed: b.verifyFailed,
          last_storage: b.newest ? `${b.newest.cluster}/${b.newest.storage}` : undefined,
          last_size_bytes: b.newest?.sizeBytes,
          last_verification: b.newest ? (b.newest.verification ?? 'none') : undefined,
          last_encrypted: b.newest?.encrypted,
        };
      }
    }
  }

  const guestsOf = async (cluster: string) => {
    let guests = guestsByCluster.get(cluster);
    if (!guests) {
      guests = await loadGuestsByVmid(db, date, [cluster]);
      guestsByCluster.set(cluster, guests);
    }
    return guests;
  };
  async function* orphanRows(): AsyncGenerator<Row> {
    let allGuests: GuestsByVmid | undefined;
    for (const { name: cluster, kind } of ctx.clusters) {
      for await (const b of backupsOf(db, date, cluster)) {
        let guests: GuestsByVmid;
        if (kind === 'pve') guests = await guestsOf(cluster);
        else if (b.namespace && pveAll.includes(b.namespace.split('/')[0]!)) {
          guests = await guestsOf(b.namespace.split('/')[0]!);
        } else {
          allGuests ??= await loadGuestsByVmid(db, date, pveAll);
          guests = allGuests;
        }
        if (!isOrphan(b, guests)) continue;
        totals.orphans++;
        totals.orphanBytes += b.sizeBytes;
        yield {
          id: `${cluster}/${b.volid}`,
          cluster,
          storage: b.storage,
          volid: b.volid,
          vmid: b.vmid,
          backup_type: b.backupType,
          backup_time: b.backupTime,
          size_bytes: b.sizeBytes,
          protected: b.protected,
          verification: b.verification ?? 'none',
        };
      }
    }
  }

  return {
    kind: 'backups',
    title: 'Strata backup coverage',
    meta: [...baseMeta(ctx), ['covered when the newest backup is at most', `${maxAgeHours} hours old`]],
    sections: [
      {
        id: 'guest',
        title: `Guests (covered: a backup within ${maxAgeHours} h of the snapshot; templates left out)`,
        columns: COVERAGE_COLUMNS,
        rows: coverageRows(),
        flag: (r) => r.covered === false,
      },
      {
        id: 'orphan_backup',
        title: 'Orphaned backups (no guest with that vmid and type, created before the backup)',
        note: 'Backups read from a Backup Server itself are checked against the PVE cluster named like their namespace, else against every PVE cluster.',
        columns: ORPHAN_BACKUP_COLUMNS,
        rows: orphanRows(),
      },
    ],
    summary: () => ({
      facts: [
        ['guests (templates left out)', totals.guests],
        ['covered', totals.covered],
        ['not covered', totals.guests - totals.covered],
        ['never backed up', totals.never],
        ['coverage', totals.guests ? `${((totals.covered / totals.guests) * 100).toFixed(1)} %` : 'n/a'],
        ['backups that failed verification', totals.verifyFailed],
        ['orphaned backups', `${totals.orphans} (${formatBytes(totals.orphanBytes)})`],
      ],
      charts: [
        barChart(
          'Backup coverage per cluster',
          [...perCluster].map(([name, s]) => ({
            label: name,
            note: s.covered + s.uncovered ? `${Math.round((s.covered / (s.covered + s.uncovered)) * 100)} %` : '',
            parts: [
              { value: s.covered, color: PALETTE.green, label: 'covered' },
              { value: s.uncovered - s.never, color: PALETTE.orange, label: 'too old' },
              { value: s.never, color: PALETTE.red, label: 'never' },
            ],
          })),
        ),
      ],
    }),
  };
}
