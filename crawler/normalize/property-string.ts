/**
 * PVE property strings: comma-separated `key=value` pairs where the first element may be a bare value for
 * the format's default key, e.g. `local-lvm:vm-100-disk-0,iothread=1,size=32G` (default key `file`) or
 * `virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,tag=20` (the model is the key, the MAC its value). Values may be
 * double-quoted when they contain a comma (pve-common `parse_property_string`).
 */
export interface PropertyString {
  /** The bare first element, when there is one (no `=`). */
  bare?: string;
  /** Every `key=value` pair, in order; keys are as written. */
  pairs: Record<string, string>;
  /** The first key of the string, whether bare or a pair (for NICs it names the model). */
  firstKey?: string;
}

function splitTop(text: string): string[] {
  // Most property strings have no quotes: a plain split gives the same parts, without a string built per character.
  if (!text.includes('"'))
    return text
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (c === '\\' && quoted && i + 1 < text.length) {
      current += text[++i];
      continue;
    }
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function parsePropertyString(text: unknown): PropertyString {
  const out: PropertyString = { pairs: {} };
  if (typeof text !== 'string') return out;
  splitTop(text).forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (i === 0) {
        out.bare = part;
      } else {
        out.pairs[part] = '1';
      }
      return;
    }
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (i === 0) out.firstKey = key;
    out.pairs[key] = value;
  });
  return out;
}

/** `meta: creation-qemu=9.0.2,ctime=1700000000` -> `{ creationQemu: '9.0.2', ctime: 1700000000 }`. */
export function parseMeta(text: unknown): { ctime?: number; creationQemu?: string } {
  const { pairs } = parsePropertyString(text);
  const out: { ctime?: number; creationQemu?: string } = {};
  const ctime = Number(pairs.ctime);
  if (pairs.ctime !== undefined && Number.isInteger(ctime) && ctime > 0) out.ctime = ctime;
  if (pairs['creation-qemu']) out.creationQemu = pairs['creation-qemu'];
  return out;
}
