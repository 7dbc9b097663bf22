import { createHash } from 'node:crypto';

/**
 * Guest identity. `(cluster, vmid)` survives a migration between nodes but is reused when a guest is deleted
 * and another created, so each guest gets a `uid`:
 *
 * 1. a marker in its notes (`<!-- strata:uid=... -->`, written only where the cluster opted in with
 *    `tagNotes`): follows the guest across clusters; when two guests carry the same marker (a clone copied
 *    the notes), the one that had it before keeps it and the other is flagged `duplicateOf`;
 * 2. qemu with a creation time in `meta`: a hash of (cluster, vmid, ctime), stable without any state;
 * 3. otherwise (lxc, old qemu) the uid of the previous published snapshot's guest with the same vmid, when
 *    it still looks the same: same type and a shared MAC address (or, with no NICs, a shared disk volume);
 * 4. else a new uid minted from (cluster, vmid, type, date, first MAC or volume).
 *
 * Two guests of a cluster with the same MAC address are clones too: the younger one (later ctime, else
 * higher vmid) gets `duplicateOf` the other. Pure: no I/O.
 */

export const UID_PATTERN = /^[0-9a-f]{20}$/;
const MARKER = /<!--\s*strata:uid=([0-9a-f]{20})\s*-->/;
const MARKER_LINE = /\n*<!--\s*strata:uid=[0-9a-f]{20}\s*-->\n*/g;

export type UidSource = 'ctime' | 'carried' | 'minted' | 'marker';

export interface IdentityFacts {
  vmid: number;
  type: 'qemu' | 'lxc';
  ctime?: number;
  /** MAC addresses (upper-case colon form). */
  macs: string[];
  /** Volume names without the storage prefix (`vm-100-disk-0`), so a storage move keeps them. */
  volumes: string[];
  notes?: string;
}

export interface PreviousGuest {
  vmid: number;
  type: 'qemu' | 'lxc';
  uid: string;
  macs: string[];
  volumes: string[];
}

export interface Identity {
  uid: string;
  source: UidSource;
  duplicateOf?: string;
}

export function hashUid(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex').slice(0, 20);
}

/** The uid in a guest's notes marker, if any. */
export function markerUid(notes: string | undefined): string | undefined {
  return notes ? MARKER.exec(notes)?.[1] : undefined;
}

/** The notes without Strata's marker line (what the user wrote). */
export function stripMarker(notes: string | undefined): string | undefined {
  if (!notes) return notes;
  const text = notes.replace(MARKER_LINE, '\n').replace(/^\n+|\n+$/g, '');
  return text === '' ? undefined : text;
}

/** The notes with exactly one marker line for `uid`, the user's text kept as it was. */
export function withMarker(notes: string | undefined, uid: string): string {
  const user = stripMarker(notes);
  const line = `<!-- strata:uid=${uid} -->`;
  return user ? `${user}\n\n${line}` : line;
}

export function volumeName(volid: string): string {
  return volid.slice(volid.indexOf(':') + 1);
}

function looksSame(now: IdentityFacts, before: PreviousGuest): boolean {
  if (now.type !== before.type) return false;
  if (now.macs.length > 0 && before.macs.length > 0) return now.macs.some((m) => before.macs.includes(m));
  return now.volumes.some((v) => before.volumes.includes(v));
}

function youngerFirst(a: IdentityFacts, b: IdentityFacts): number {
  if (a.ctime !== undefined && b.ctime !== undefined && a.ctime !== b.ctime) return b.ctime - a.ctime;
  return b.vmid - a.vmid;
}

export function assignIdentities(
  cluster: string,
  date: number,
  guests: IdentityFacts[],
  previous: PreviousGuest[],
): Map<number, Identity> {
  const prevByVmid = new Map(previous.map((p) => [p.vmid, p]));
  const out = new Map<number, Identity>();

  const intrinsic = (g: IdentityFacts): Identity => {
    if (g.type === 'qemu' && g.ctime) return { uid: hashUid(cluster, g.vmid, g.ctime), source: 'ctime' };
    const before = prevByVmid.get(g.vmid);
    if (before && looksSame(g, before)) return { uid: before.uid, source: 'carried' };
    const evidence = [...g.macs].sort()[0] ?? [...g.volumes].sort()[0] ?? '';
    return { uid: hashUid(cluster, g.vmid, g.type, date, evidence), source: 'minted' };
  };

  // Markers first: who keeps a marker carried by several guests.
  const byMarker = new Map<string, IdentityFacts[]>();
  for (const g of guests) {
    const m = markerUid(g.notes);
    if (m) byMarker.set(m, [...(byMarker.get(m) ?? []), g]);
  }
  for (const [uid, holders] of byMarker) {
    const keeper =
      holders.find((g) => prevByVmid.get(g.vmid)?.uid === uid) ?? [...holders].sort((a, b) => youngerFirst(b, a))[0]!;
    out.set(keeper.vmid, { uid, source: 'marker' });
    for (const g of holders) {
      if (g === keeper) continue;
      out.set(g.vmid, { ...intrinsic(g), duplicateOf: uid });
    }
  }
  for (const g of guests) if (!out.has(g.vmid)) out.set(g.vmid, intrinsic(g));

  // Same MAC on two guests: the younger is a copy of the older.
  const byMac = new Map<string, IdentityFacts[]>();
  for (const g of guests) {
    for (const mac of new Set(g.macs)) {
      const list = byMac.get(mac) ?? [];
      list.push(g);
      byMac.set(mac, list);
    }
  }
  for (const holders of byMac.values()) {
    if (holders.length < 2) continue;
    const ordered = [...holders].sort((a, b) => youngerFirst(b, a));
    const original = out.get(ordered[0]!.vmid)!;
    for (const g of ordered.slice(1)) {
      const id = out.get(g.vmid)!;
      if (!id.duplicateOf && id.uid !== original.uid) id.duplicateOf = original.uid;
    }
  }
  // Two guests can never share a uid in one snapshot (a stale carried uid, a hash collision): re-mint.
  const seen = new Set<string>();
  for (const g of [...guests].sort((a, b) => youngerFirst(b, a))) {
    const id = out.get(g.vmid)!;
    if (seen.has(id.uid)) {
      const duplicateOf = id.uid;
      out.set(g.vmid, { uid: hashUid(cluster, g.vmid, g.type, date, 'dup'), source: 'minted', duplicateOf });
    }
    seen.add(out.get(g.vmid)!.uid);
  }
  return out;
}
