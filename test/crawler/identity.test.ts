import { describe, expect, it } from 'vitest';
import {
  assignIdentities,
  hashUid,
  type IdentityFacts,
  markerUid,
  type PreviousGuest,
  stripMarker,
  withMarker,
} from '../../crawler/identity.ts';

const qemu = (vmid: number, ctime: number | undefined, macs: string[], notes?: string): IdentityFacts => ({
  vmid,
  type: 'qemu',
  ...(ctime ? { ctime } : {}),
  macs,
  volumes: [`vm-${vmid}-disk-0`],
  ...(notes ? { notes } : {}),
});
const lxc = (vmid: number, macs: string[], volumes = [`vm-${vmid}-disk-0`]): IdentityFacts => ({
  vmid,
  type: 'lxc',
  macs,
  volumes,
});

describe('guest identity', () => {
  it('gives a qemu guest with a creation time the same uid wherever it runs, without any state', () => {
    const a = assignIdentities('c1', 1000, [qemu(100, 1700000000, ['AA:00:00:00:00:01'])], []);
    const b = assignIdentities('c1', 2000, [qemu(100, 1700000000, ['AA:00:00:00:00:01'])], []);
    expect(a.get(100)).toEqual({ uid: hashUid('c1', 100, 1700000000), source: 'ctime' });
    expect(b.get(100)!.uid).toBe(a.get(100)!.uid);
  });

  it('changes the uid when a vmid is reused by a new VM (new creation time)', () => {
    const before = assignIdentities('c1', 1000, [qemu(100, 1700000000, ['AA:00:00:00:00:01'])], []);
    const after = assignIdentities('c1', 2000, [qemu(100, 1700009999, ['AA:00:00:00:00:09'])], []);
    expect(after.get(100)!.uid).not.toBe(before.get(100)!.uid);
  });

  it('carries a container uid over when the vmid still looks like the same guest', () => {
    const prev: PreviousGuest[] = [
      { vmid: 200, type: 'lxc', uid: 'aaaaaaaaaaaaaaaaaaaa', macs: ['AA:00:00:00:02:00'], volumes: [] },
    ];
    const now = assignIdentities('c1', 2000, [lxc(200, ['AA:00:00:00:02:00'])], prev);
    expect(now.get(200)).toEqual({ uid: 'aaaaaaaaaaaaaaaaaaaa', source: 'carried' });
  });

  it('mints a new uid when the vmid was reused by another container (other MAC) or another type', () => {
    const prev: PreviousGuest[] = [
      { vmid: 200, type: 'lxc', uid: 'aaaaaaaaaaaaaaaaaaaa', macs: ['AA:00:00:00:02:00'], volumes: ['vm-200-disk-0'] },
      { vmid: 201, type: 'qemu', uid: 'bbbbbbbbbbbbbbbbbbbb', macs: ['AA:00:00:00:02:01'], volumes: [] },
    ];
    const now = assignIdentities('c1', 2000, [lxc(200, ['AA:00:00:00:02:99']), lxc(201, ['AA:00:00:00:02:01'])], prev);
    expect(now.get(200)!.source).toBe('minted');
    expect(now.get(200)!.uid).not.toBe('aaaaaaaaaaaaaaaaaaaa');
    expect(now.get(201)!.source).toBe('minted');
  });

  it('tells a container without NICs by its disk volumes', () => {
    const prev: PreviousGuest[] = [
      { vmid: 300, type: 'lxc', uid: 'cccccccccccccccccccc', macs: [], volumes: ['vm-300-disk-0'] },
    ];
    expect(assignIdentities('c1', 2000, [lxc(300, [], ['vm-300-disk-0'])], prev).get(300)!.uid).toBe(
      'cccccccccccccccccccc',
    );
    expect(assignIdentities('c1', 2000, [lxc(300, [], ['vm-300-disk-7'])], prev).get(300)!.source).toBe('minted');
  });

  it('flags a clone with the same MAC address as a duplicate of the older guest', () => {
    const ids = assignIdentities(
      'c1',
      2000,
      [qemu(100, 1700000000, ['AA:00:00:00:00:01']), qemu(105, 1700005000, ['AA:00:00:00:00:01'])],
      [],
    );
    expect(ids.get(100)!.duplicateOf).toBeUndefined();
    expect(ids.get(105)!.duplicateOf).toBe(ids.get(100)!.uid);
  });

  it('follows a notes marker, and flags the second holder of a marker as a copy', () => {
    const uid = 'dddddddddddddddddddd';
    const notes = withMarker('my text', uid);
    const prev: PreviousGuest[] = [{ vmid: 100, type: 'qemu', uid, macs: [], volumes: [] }];
    const ids = assignIdentities(
      'c2',
      2000,
      [qemu(100, 1700000000, ['AA:00:00:00:00:01'], notes), qemu(101, 1700000500, ['AA:00:00:00:00:02'], notes)],
      prev,
    );
    expect(ids.get(100)).toEqual({ uid, source: 'marker' });
    expect(ids.get(101)).toMatchObject({ source: 'ctime', duplicateOf: uid });
    expect(ids.get(101)!.uid).not.toBe(uid);
  });

  it('never gives two guests of one snapshot the same uid', () => {
    const prev: PreviousGuest[] = [
      { vmid: 1, type: 'lxc', uid: 'eeeeeeeeeeeeeeeeeeee', macs: ['AA:00:00:00:00:0E'], volumes: [] },
      { vmid: 2, type: 'lxc', uid: 'eeeeeeeeeeeeeeeeeeee', macs: ['AA:00:00:00:00:0F'], volumes: [] },
    ];
    const ids = assignIdentities('c1', 2000, [lxc(1, ['AA:00:00:00:00:0E']), lxc(2, ['AA:00:00:00:00:0F'])], prev);
    expect(new Set([...ids.values()].map((i) => i.uid)).size).toBe(2);
  });
});

describe('notes marker', () => {
  it("adds one marker line and keeps the user's text", () => {
    const uid = '0123456789abcdef0123';
    const once = withMarker('Line one\nLine two', uid);
    expect(once).toBe(`Line one\nLine two\n\n<!-- strata:uid=${uid} -->`);
    expect(markerUid(once)).toBe(uid);
    expect(stripMarker(once)).toBe('Line one\nLine two');
    const other = withMarker(once, 'ffffffffffffffffffff');
    expect(other.match(/strata:uid=/g)).toHaveLength(1);
    expect(stripMarker(other)).toBe('Line one\nLine two');
    expect(withMarker(undefined, uid)).toBe(`<!-- strata:uid=${uid} -->`);
    expect(stripMarker(withMarker(undefined, uid))).toBeUndefined();
  });
});
