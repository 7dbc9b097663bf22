import { describe, expect, it } from 'vitest';
import { backupCoverage, backupsOfGuest } from '../../api/query/coverage.ts';
import { diffSnapshots } from '../../api/query/diff.ts';
import { backup, D1, D2, disk, guest, storage } from './fixtures.ts';

describe('diff between two dates', () => {
  it('finds created, deleted, migrated and changed guests, disk and storage changes, backups', () => {
    const from = {
      instances: [
        guest({ vmid: 100, uid: 'u100' }),
        guest({ vmid: 101, uid: 'u101', name: 'old' }),
        guest({ vmid: 102, uid: 'u102', node: 'pve1', tags: ['a', 'b'] }),
        guest({ vmid: 103, uid: 'u103-old' }),
      ],
      disks: [
        disk({ volid: 'ceph:vm-100-disk-0', sizeBytes: 10 }),
        disk({ volid: 'local-lvm:vm-101-disk-0', shared: false, node: 'pve1', sizeBytes: 5 }),
        disk({ volid: 'local-lvm:vm-101-disk-0', shared: false, node: 'pve2', sizeBytes: 5 }),
      ],
      storages: [
        storage({ storage: 'ceph', shared: true, node: undefined, usedBytes: 10 }),
        storage({ storage: 'local', node: 'pve1', usedBytes: 1 }),
      ],
      backups: [backup({ volid: 'nfs:backup/a' }), backup({ volid: 'nfs:backup/b' })],
    };
    const to = {
      instances: [
        guest({ date: D2, vmid: 100, uid: 'u100', status: 'stopped', memoryBytes: 4 * 1024 ** 3 }),
        guest({ date: D2, vmid: 102, uid: 'u102', node: 'pve2', tags: ['b', 'a'] }),
        guest({ date: D2, vmid: 103, uid: 'u103-new' }),
        guest({ date: D2, vmid: 104, uid: 'u104' }),
      ],
      disks: [
        disk({ date: D2, volid: 'ceph:vm-100-disk-0', node: 'pve2', sizeBytes: 20 }),
        disk({ date: D2, volid: 'local-lvm:vm-101-disk-0', shared: false, node: 'pve2', sizeBytes: 5 }),
        disk({ date: D2, volid: 'ceph:vm-104-disk-0', sizeBytes: 1 }),
      ],
      storages: [
        storage({ date: D2, storage: 'ceph', shared: true, node: undefined, usedBytes: 30 }),
        storage({ date: D2, storage: 'local', node: 'pve1', usedBytes: 1 }),
      ],
      backups: [backup({ volid: 'nfs:backup/b' }), backup({ volid: 'nfs:backup/c' })],
    };
    const d = diffSnapshots(from, to);
    expect(d.guests.created.map((g) => g.uid)).toEqual(['u103-new', 'u104']);
    expect(d.guests.deleted.map((g) => g.uid)).toEqual(['u101', 'u103-old']);
    expect(d.guests.migrated).toEqual([expect.objectContaining({ uid: 'u102', fromNode: 'pve1', toNode: 'pve2' })]);
    const changed = d.guests.changed.find((g) => g.uid === 'u100');
    expect(changed?.changes).toEqual([
      { field: 'status', before: 'running', after: 'stopped' },
      { field: 'memoryBytes', before: 2 * 1024 ** 3, after: 4 * 1024 ** 3 },
    ]);
    // tag order alone is not a change; node is reported as migration, not as a field change
    expect(d.guests.changed.find((g) => g.uid === 'u102')).toBeUndefined();
    expect(d.disks.added.map((x) => x.volid)).toEqual(['ceph:vm-104-disk-0']);
    expect(d.disks.removed).toEqual([expect.objectContaining({ volid: 'local-lvm:vm-101-disk-0', node: 'pve1' })]);
    expect(d.disks.resized).toEqual([expect.objectContaining({ volid: 'ceph:vm-100-disk-0', before: 10, after: 20 })]);
    // shared storage is one storage even though the node reporting it changed
    expect(d.storages).toEqual([
      { cluster: 'eu', storage: 'ceph', usedBefore: 10, usedAfter: 30, totalBefore: 1000, totalAfter: 1000 },
    ]);
    expect(d.backups.added.map((b) => b.volid)).toEqual(['nfs:backup/c']);
    expect(d.backups.removed.map((b) => b.volid)).toEqual(['nfs:backup/a']);
    expect(d.summary.guestsCreated).toBe(2);
  });

  it('is empty between a snapshot and itself', () => {
    const side = { instances: [guest({})], disks: [disk({})], storages: [storage({})], backups: [backup({})] };
    const d = diffSnapshots(side, side);
    expect(Object.values(d.summary).every((n) => n === 0)).toBe(true);
  });
});

describe('backup coverage', () => {
  it('reports last backup and age, uncovered guests, orphans, and ignores backups of an earlier guest with the same vmid', () => {
    const instances = [
      guest({ vmid: 100, uid: 'u100', ctime: D1 - 100 * 3600 }),
      guest({ vmid: 101, uid: 'u101', ctime: D1 - 10 * 3600 }),
      guest({ vmid: 102, uid: 'u102' }),
      guest({ vmid: 103, uid: 'u103', type: 'lxc' }),
      guest({ vmid: 9000, uid: 'u9000', template: true }),
    ];
    const backups = [
      backup({ vmid: 100, volid: 'a', backupTime: D1 - 2 * 3600 }),
      // the same backup seen on a second storage counts once
      backup({ vmid: 100, storage: 'nfs2', volid: 'a-copy', backupTime: D1 - 2 * 3600 }),
      backup({ vmid: 100, volid: 'b', backupTime: D1 - 30 * 3600 }),
      backup({ vmid: 101, volid: 'old-guest', backupTime: D1 - 50 * 3600 }),
      backup({ vmid: 555, volid: 'gone' }),
      backup({ vmid: 103, backupType: 'vm', volid: 'vm-backup-of-a-ct-id' }),
      backup({ cluster: 'us', vmid: 102, volid: 'other-cluster', backupTime: D1 - 1 * 3600 }),
      // read from the PBS itself: never credited to a guest (PVE lists what is its own), only orphans
      backup({ cluster: 'pbs1', source: 'pbs', vmid: 102, volid: 'pbs-snap', backupTime: D1 - 1 * 3600 }),
      backup({ cluster: 'pbs1', source: 'pbs', namespace: 'eu', vmid: 777, volid: 'pbs-eu-gone' }),
      backup({ cluster: 'pbs1', source: 'pbs', namespace: 'eu/daily', vmid: 100, volid: 'pbs-eu-100' }),
      backup({ cluster: 'pbs1', source: 'pbs', vmid: undefined, backupType: 'host', volid: 'host-backup' }),
    ];
    const r = backupCoverage({ date: D1, maxAgeHours: 24, instances, backups });
    const by = Object.fromEntries(r.guests.map((g) => [g.uid, g]));
    expect(by.u100).toMatchObject({
      lastBackup: D1 - 2 * 3600,
      lastBackupVolid: 'a',
      ageHours: 2,
      covered: true,
      backups: 2,
    });
    expect(by.u101).toMatchObject({ lastBackup: null, ageHours: null, covered: false, backups: 0 });
    expect(by.u102).toMatchObject({ lastBackup: null, covered: false, backups: 0 });
    expect(by.u103).toMatchObject({ backups: 0, covered: false });
    expect(by.u9000).toBeUndefined();
    expect(r.orphans.map((b) => b.volid).sort()).toEqual([
      'gone',
      'old-guest',
      'other-cluster',
      'pbs-eu-gone',
      'vm-backup-of-a-ct-id',
    ]);
    expect(r.summary).toEqual({ covered: 1, uncovered: 3, total: 4, orphans: 5, maxAgeHours: 24 });
    expect(r.guests.at(-1)?.uid).toBe('u100');
  });

  it("lists a guest's own backups newest first, never those of the PBS itself or of another cluster", () => {
    const g = guest({ vmid: 100, uid: 'u100', ctime: D1 - 100 * 3600 });
    const list = backupsOfGuest(g, [
      backup({ vmid: 100, volid: 'old', backupTime: D1 - 30 * 3600 }),
      backup({ vmid: 100, volid: 'new', backupTime: D1 - 2 * 3600 }),
      backup({ vmid: 100, volid: 'before-creation', backupTime: D1 - 200 * 3600 }),
      backup({ cluster: 'us', vmid: 100, volid: 'us' }),
      backup({ cluster: 'pbs1', source: 'pbs', vmid: 100, volid: 'pbs' }),
    ]);
    expect(list.map((b) => b.volid)).toEqual(['new', 'old']);
  });
});
