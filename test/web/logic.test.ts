import { describe, expect, it } from 'vitest';
import { monthGrid, shiftMonth } from '../../web/src/lib/calendar.ts';
import { linePath, niceMax } from '../../web/src/lib/chart.ts';
import { filterDiff, groupDiff } from '../../web/src/lib/diff.ts';
import { age, bytes, duration, toEpochSeconds } from '../../web/src/lib/format.ts';
import { proxmoxGuestUrl } from '../../web/src/lib/proxmox-link.ts';
import { capabilities } from '../../web/src/lib/roles.ts';
import { compareValues, sortRows } from '../../web/src/lib/sort.ts';

describe('formatting', () => {
  it('formats bytes in IEC units', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(1536)).toBe('1.50 KiB');
    expect(bytes(34359738368)).toBe('32.0 GiB');
    expect(bytes('x')).toBe('');
  });
  it('formats durations and ages', () => {
    expect(duration(250)).toBe('250 ms');
    expect(duration(90_000)).toBe('1 min 30 s');
    expect(age(1000, 1000 + 3 * 3600 + 5)).toBe('3 h ago');
  });
  it('accepts seconds, milliseconds and ISO times', () => {
    expect(toEpochSeconds(1732355100)).toBe(1732355100);
    expect(toEpochSeconds(1732355100000)).toBe(1732355100);
    expect(toEpochSeconds('2024-11-23T09:45:00Z')).toBe(1732355100);
    expect(toEpochSeconds('nope')).toBeNull();
  });
});

describe('calendar', () => {
  it('lays a month out in six Monday-first weeks', () => {
    const weeks = monthGrid('2024-11');
    expect(weeks).toHaveLength(6);
    expect(weeks[0]![0]!.key).toBe('2024-10-28'); // 1 Nov 2024 is a Friday
    expect(weeks[0]![4]).toEqual({ key: '2024-11-01', day: 1, inMonth: true });
    expect(weeks.flat().filter((d) => d.inMonth)).toHaveLength(30);
  });
  it('moves across years', () => {
    expect(shiftMonth('2024-12', 1)).toBe('2025-01');
    expect(shiftMonth('2024-01', -1)).toBe('2023-12');
  });
});

describe('roles', () => {
  it('derives what the console offers', () => {
    expect(capabilities([{ role: 'audit' }])).toMatchObject({ read: true, manageAny: false, admin: false });
    expect(capabilities([{ role: 'manage' }])).toMatchObject({ manageAny: true, admin: false });
    expect(capabilities([{ role: 'admin' }])).toMatchObject({ manageAny: true, admin: true, highest: 'admin' });
    expect(capabilities([]).read).toBe(false);
  });
  it('scopes group roles to clusters of that group', () => {
    const c = capabilities([{ role: 'audit' }, { role: 'manage', group: 'eu' }, { role: 'admin', group: 'eu' }]);
    expect(c.canManage(['eu'])).toBe(true);
    expect(c.canManage(['us'])).toBe(false);
    expect(c.canManage(undefined)).toBe(false);
    expect(c.admin).toBe(false); // administration needs a global admin role
  });
});

describe('sorting', () => {
  it('sorts naturally with empty values last in both directions', () => {
    const rows = [{ n: 'web10' }, { n: '' }, { n: 'web2' }, { n: 'Web1' }];
    expect(sortRows(rows, (r) => r.n, 'asc').map((r) => r.n)).toEqual(['Web1', 'web2', 'web10', '']);
    expect(sortRows(rows, (r) => r.n, 'desc').map((r) => r.n)).toEqual(['web10', 'web2', 'Web1', '']);
    expect(compareValues(2, 10)).toBeLessThan(0);
  });
});

describe('charts', () => {
  it('rounds axis maxima up', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(180)).toBe(200);
    expect(niceMax(2100)).toBe(2500);
  });
  it('breaks lines at gaps', () => {
    expect(
      linePath([
        { x: 0, y: 1 },
        { x: 1, y: 2 },
        { x: 2, y: null },
        { x: 3, y: 4 },
      ]),
    ).toBe('M0,1L1,2M3,4');
  });
});

describe('Proxmox link', () => {
  it('points at the guest in the PVE web interface', () => {
    expect(proxmoxGuestUrl('pve1.example', 8006, 'qemu', 100)).toBe('https://pve1.example:8006/#v1:0:=qemu%2F100');
    expect(proxmoxGuestUrl('::1', undefined, 'lxc', 7)).toBe('https://[::1]:8006/#v1:0:=lxc%2F7');
    expect(proxmoxGuestUrl('', 8006, 'qemu', 1)).toBeNull();
  });
});

describe('compare', () => {
  const diff = {
    guests: {
      created: [{ uid: 'u1', name: 'new-web', vmid: 300, cluster: 'eu', node: 'pve1' }],
      deleted: [],
      migrated: [{ uid: 'u2', name: 'db', vmid: 200, cluster: 'eu', fromNode: 'pve1', toNode: 'pve2' }],
      changed: [
        { uid: 'u3', name: 'app', cluster: 'us', changes: [{ field: 'maxmem', before: 2 ** 31, after: 2 ** 32 }] },
      ],
    },
    disks: { added: [], removed: [], resized: [{ volid: 'local:vm-1-disk-0', before: 2 ** 30, after: 2 ** 31 }] },
    storages: [{ cluster: 'eu', storage: 'ceph', usedBefore: 1, usedAfter: 2, totalBefore: 10, totalAfter: 10 }],
    backups: { added: [{ volid: 'pbs:backup/vm/100/x', cluster: 'eu' }], removed: [] },
  };
  it('groups every kind of change', () => {
    const groups = groupDiff(diff);
    const counts = Object.fromEntries(groups.map((g) => [g.id, g.rows.length]));
    expect(counts).toMatchObject({
      'guests.created': 1,
      'guests.migrated': 1,
      'guests.changed': 1,
      'disks.resized': 1,
    });
    expect(groups.find((g) => g.id === 'guests.changed')!.rows[0]!.detail).toBe('maxmem: 2.00 GiB → 4.00 GiB');
    expect(groups.find((g) => g.id === 'guests.migrated')!.rows[0]!.detail).toBe('pve1 → pve2');
  });
  it('filters by words and by group', () => {
    const groups = groupDiff(diff);
    const all = new Set(groups.map((g) => g.id));
    const hits = filterDiff(groups, 'EU pve', all).flatMap((g) => g.rows.map((r) => r.title));
    expect(hits).toEqual(['new-web (300)', 'db (200)']);
    expect(filterDiff(groups, '', new Set(['storages'])).map((g) => g.id)).toEqual(['storages']);
  });
});
