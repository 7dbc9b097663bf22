import { createHash } from 'node:crypto';
import type { ConfigValue, GuestTruth } from './estate.ts';

/** Disk keys of a qemu config (ide0-3, sata0-5, scsi0-30, virtio0-15, efidisk0, tpmstate0, unusedN). */
export const QEMU_DISK_KEY =
  /^(ide[0-3]|sata[0-5]|scsi([0-9]|[12][0-9]|30)|virtio([0-9]|1[0-5])|efidisk0|tpmstate0|unused\d+)$/;
/** Volume keys of an lxc config. */
export const LXC_DISK_KEY = /^(rootfs|mp\d+|unused\d+)$/;

/** "32G" / "512M" / "4M" / "1T" → bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  if (!m) return 0;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * unit);
}

/** Bytes → the largest exact unit PVE would print ("32G", "4M"). */
export function formatSize(bytes: number): string {
  for (const [unit, f] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${unit}`;
  }
  return String(bytes);
}

/** The volume id of a disk value ("local-lvm:vm-100-disk-0,size=32G" → "local-lvm:vm-100-disk-0"), or undefined for none/cdrom-less. */
export function volumeOf(value: ConfigValue): string | undefined {
  const first = String(value).split(',')[0] ?? '';
  if (!first.includes(':') || first === 'none') return undefined;
  return first;
}

/** Property-string value of one option ("size" in "x:y,size=32G"). */
export function optionOf(value: ConfigValue, option: string): string | undefined {
  for (const part of String(value).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === option) return part.slice(eq + 1);
  }
  return undefined;
}

export function setOption(value: string, option: string, next: string): string {
  const parts = value.split(',');
  let found = false;
  const out = parts.map((part) => {
    if (part.startsWith(`${option}=`)) {
      found = true;
      return `${option}=${next}`;
    }
    return part;
  });
  if (!found) out.push(`${option}=${next}`);
  return out.join(',');
}

export function isDiskKey(g: GuestTruth, key: string): boolean {
  return g.type === 'qemu' ? QEMU_DISK_KEY.test(key) : LXC_DISK_KEY.test(key);
}

/** Volumes a guest's config references (cdrom ISOs included), keyed by config key. */
export function referencedVolumes(g: GuestTruth): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(g.config)) {
    if (!isDiskKey(g, key)) continue;
    const vol = volumeOf(value);
    if (vol) out.set(key, vol);
  }
  return out;
}

/**
 * The config file's text as PVE writes it: the description as leading `#` lines, then `key: value` lines.
 * Only used for the digest, so exact byte fidelity is not needed; what matters is that any change changes it.
 */
export function renderConfigFile(config: Record<string, ConfigValue>): string {
  let out = '';
  const description = config.description;
  if (typeof description === 'string' && description) {
    for (const line of description.split('\n')) out += `#${line}\n`;
  }
  for (const key of Object.keys(config).sort()) {
    if (key === 'description') continue;
    out += `${key}: ${config[key]}\n`;
  }
  return out;
}

export function configDigest(config: Record<string, ConfigValue>): string {
  return createHash('sha1').update(renderConfigFile(config)).digest('hex');
}
