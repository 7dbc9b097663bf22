/**
 * Scalar conversions for Proxmox JSON. PVE sends numbers as JSON strings when they were read from a config
 * file, booleans as 0/1 (PBS as true/false), and sizes as `32G`-style strings with binary units.
 */

/** A finite number, or undefined: accepts numbers and numeric strings (`"4096"`, `" 1.5 "`). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** An integer, or undefined (rounds numeric input). */
export function toInt(value: unknown): number | undefined {
  const n = toNumber(value);
  return n === undefined ? undefined : Math.round(n);
}

/** Proxmox booleans: 1/0, "1"/"0", true/false, "true"/"false", "yes"/"no", "on"/"off". */
export function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
  }
  return undefined;
}

/** A non-empty trimmed string, or undefined. */
export function toStr(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

const UNIT: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/**
 * Bytes from a Proxmox disk size (`32G`, `4M`, `512K`, `1T`, `1.5G`, `1073741824`). The units are binary,
 * as in PVE's `disk-size` format. Numbers are taken as bytes already.
 */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTPB]?)i?B?\s*$/i.exec(value);
  if (!m) return undefined;
  const factor = UNIT[(m[2] ?? '').toUpperCase()] ?? 1;
  return Math.round(Number(m[1]) * factor);
}

/** Tags as PVE stores them (`a;b`), and as people write them (`a, b c`): split, trimmed, de-duplicated. */
export function splitTags(value: unknown): string[] {
  if (Array.isArray(value))
    return [
      ...new Set(
        value
          .map(String)
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ];
  if (typeof value !== 'string') return [];
  return [
    ...new Set(
      value
        .split(/[;,\s]+/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/** A MAC address in the upper-case colon form, or undefined when the text is not one. */
export function normalizeMac(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const hex = value.replace(/[^0-9a-f]/gi, '');
  if (hex.length !== 12 || !/^[0-9a-f:.-]+$/i.test(value.trim())) return undefined;
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}
