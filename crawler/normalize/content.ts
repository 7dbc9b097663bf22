import { parseSize, toBool, toInt, toStr } from './values.ts';

/**
 * `GET /nodes/{n}/storage/{s}/content` rows (one call per storage listing, no content filter: disk images,
 * container volumes and backups come back together; ISOs and templates are dropped here).
 */

export interface ContentVolume {
  volid: string;
  storage: string;
  content: 'images' | 'rootdir' | 'backup';
  format?: string;
  sizeBytes: number;
  vmid?: number;
  ctime?: number;
  notes?: string;
  protected: boolean;
  encrypted: boolean;
  verification?: string;
  subtype?: string;
  parent?: string;
}

const KEPT = new Set(['images', 'rootdir', 'backup']);

export function normalizeContent(storage: string, rows: unknown): ContentVolume[] {
  const out: ContentVolume[] = [];
  for (const raw of Array.isArray(rows) ? rows : []) {
    const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const content = toStr(r.content);
    const volid = toStr(r.volid);
    if (!volid || !content || !KEPT.has(content)) continue;
    const v: ContentVolume = {
      volid,
      storage,
      content: content as ContentVolume['content'],
      sizeBytes: parseSize(r.size) ?? 0,
      protected: toBool(r.protected) ?? false,
      encrypted: r.encrypted !== undefined && r.encrypted !== null && r.encrypted !== '' && r.encrypted !== 0,
    };
    const set = <K extends keyof ContentVolume>(k: K, val: ContentVolume[K] | undefined) => {
      if (val !== undefined) v[k] = val;
    };
    set('format', toStr(r.format));
    set('vmid', toInt(r.vmid));
    set('ctime', toInt(r.ctime));
    set('notes', toStr(r.notes));
    set('subtype', toStr(r.subtype));
    set('parent', toStr(r.parent));
    const verification = r.verification as { state?: unknown } | undefined;
    set('verification', toStr(verification?.state));
    out.push(v);
  }
  return out;
}

/**
 * The backup type and time from a backup volid: `vzdump-qemu-100-2024_01_01-00_00_00.vma.zst` and PBS
 * `backup/vm/100/2024-01-01T00:00:00Z`.
 */
export function backupIdentity(volid: string): { backupType?: 'vm' | 'ct' | 'host'; time?: number } {
  const name = volid.slice(volid.indexOf(':') + 1);
  const pbs = /(?:^|\/)(vm|ct|host)\/[^/]+\/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/.exec(name);
  if (pbs) return { backupType: pbs[1] as 'vm' | 'ct' | 'host', time: Date.parse(pbs[2]!) / 1000 };
  const vz = /vzdump-(qemu|lxc|openvz)-\d+-(\d{4})_(\d\d)_(\d\d)-(\d\d)_(\d\d)_(\d\d)/.exec(name);
  if (vz) {
    const [, kind, y, mo, d, h, mi, s] = vz;
    return {
      backupType: kind === 'qemu' ? 'vm' : 'ct',
      time: Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000,
    };
  }
  return {};
}
