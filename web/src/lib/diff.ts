/** Turns GET /diff's answer into groups of rows the compare page lists, and filters them by text. */
import { bytes } from './format.ts';

type Obj = Record<string, unknown>;

export interface DiffRow {
  id: string;
  group: string;
  title: string;
  detail: string;
  cluster: string;
  uid: string | null;
  /** Lower-cased text the filter matches. */
  haystack: string;
}

export interface DiffGroup {
  id: string;
  title: string;
  rows: DiffRow[];
}

export const DIFF_GROUPS: readonly { id: string; title: string }[] = [
  { id: 'guests.created', title: 'Guests created' },
  { id: 'guests.deleted', title: 'Guests deleted' },
  { id: 'guests.migrated', title: 'Guests migrated' },
  { id: 'guests.changed', title: 'Guests changed' },
  { id: 'disks.added', title: 'Disks added' },
  { id: 'disks.removed', title: 'Disks removed' },
  { id: 'disks.resized', title: 'Disks resized' },
  { id: 'storages', title: 'Storage usage' },
  { id: 'backups.added', title: 'Backups added' },
  { id: 'backups.removed', title: 'Backups removed' },
];

const SIZE_FIELDS = /^(size|maxmem|maxdisk|mem|disk|used|total|avail|maxswap|memory)$/i;

export function valueText(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '∅';
  const leaf = field.split('.').pop() ?? '';
  if (typeof v === 'number' && (SIZE_FIELDS.test(leaf) || /Bytes$/.test(leaf))) return bytes(v);
  if (Array.isArray(v)) return v.map((x) => valueText(field, x)).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

function guestTitle(g: Obj): string {
  const name = str(g.name);
  const vmid = str(g.vmid);
  return name && vmid ? `${name} (${vmid})` : name || vmid || str(g.uid);
}

function row(group: string, i: number, title: string, detail: string, src: Obj): DiffRow {
  const cluster = str(src.cluster);
  const uid = src.uid === undefined ? null : str(src.uid);
  return {
    id: `${group}:${i}`,
    group,
    title,
    detail,
    cluster,
    uid,
    haystack: [title, detail, cluster, str(src.node), str(src.vmid)].join('\u0000').toLowerCase(),
  };
}

export function groupDiff(diff: Obj): DiffGroup[] {
  const guests = (diff.guests ?? {}) as Obj;
  const disks = (diff.disks ?? {}) as Obj;
  const backups = (diff.backups ?? {}) as Obj;
  const where = (g: Obj) => [str(g.cluster), str(g.node)].filter(Boolean).join(' / ');
  const rows: Record<string, DiffRow[]> = {
    'guests.created': arr(guests.created).map((g, i) => row('guests.created', i, guestTitle(g), where(g), g)),
    'guests.deleted': arr(guests.deleted).map((g, i) => row('guests.deleted', i, guestTitle(g), where(g), g)),
    'guests.migrated': arr(guests.migrated).map((g, i) =>
      row('guests.migrated', i, guestTitle(g), `${str(g.fromNode)} → ${str(g.toNode)}`, g),
    ),
    'guests.changed': arr(guests.changed).map((g, i) =>
      row(
        'guests.changed',
        i,
        guestTitle(g),
        arr(g.changes)
          .map((c) => `${str(c.field)}: ${valueText(str(c.field), c.before)} → ${valueText(str(c.field), c.after)}`)
          .join('; '),
        g,
      ),
    ),
    'disks.added': arr(disks.added).map((d, i) => row('disks.added', i, str(d.volid), diskDetail(d), d)),
    'disks.removed': arr(disks.removed).map((d, i) => row('disks.removed', i, str(d.volid), diskDetail(d), d)),
    'disks.resized': arr(disks.resized).map((d, i) =>
      row('disks.resized', i, str(d.volid), `${valueText('size', d.before)} → ${valueText('size', d.after)}`, d),
    ),
    storages: arr(diff.storages).map((s, i) =>
      row(
        'storages',
        i,
        [str(s.cluster), str(s.storage)].filter(Boolean).join(' / ') + (s.node ? ` (${str(s.node)})` : ''),
        `used ${valueText('used', s.usedBefore)} → ${valueText('used', s.usedAfter)}` +
          (s.totalBefore !== s.totalAfter
            ? `, total ${valueText('total', s.totalBefore)} → ${valueText('total', s.totalAfter)}`
            : ''),
        s,
      ),
    ),
    'backups.added': arr(backups.added).map((b, i) => row('backups.added', i, backupTitle(b), backupDetail(b), b)),
    'backups.removed': arr(backups.removed).map((b, i) =>
      row('backups.removed', i, backupTitle(b), backupDetail(b), b),
    ),
  };
  return DIFF_GROUPS.map((g) => ({ ...g, rows: rows[g.id] ?? [] }));
}

function diskDetail(d: Obj): string {
  return [str(d.cluster), d.vmid !== undefined ? `guest ${str(d.vmid)}` : '', valueText('size', d.size)]
    .filter((s) => s && s !== '∅')
    .join(' · ');
}

function backupTitle(b: Obj): string {
  return str(b.volid) || [str(b.store ?? b.storage), str(b.vmid ?? b.backupId)].filter(Boolean).join(' / ');
}

function backupDetail(b: Obj): string {
  return [str(b.cluster), b.size !== undefined ? valueText('size', b.size) : ''].filter(Boolean).join(' · ');
}

/** Rows whose text contains every whitespace-separated word of `text`, in the groups switched on. */
export function filterDiff(groups: readonly DiffGroup[], text: string, shown: ReadonlySet<string>): DiffGroup[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return groups
    .filter((g) => shown.has(g.id))
    .map((g) => ({ ...g, rows: g.rows.filter((r) => words.every((w) => r.haystack.includes(w))) }));
}
