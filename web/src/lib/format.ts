/** Display formatting. Times are shown in the browser's time zone. */

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function bytes(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)} ${IEC[i]}`;
}

export function percent(part: number, whole: number): string {
  if (!whole) return '';
  return `${((part / whole) * 100).toFixed(part / whole < 0.1 ? 1 : 0)} %`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Epoch seconds as `YYYY-MM-DD HH:mm` (local). */
export function dateTime(epochSeconds: unknown): string {
  if (typeof epochSeconds !== 'number' || !Number.isFinite(epochSeconds) || epochSeconds <= 0) return '';
  const d = new Date(epochSeconds * 1000);
  return `${dayKey(epochSeconds)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function timeOfDay(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Epoch seconds as the local day `YYYY-MM-DD`. */
export function dayKey(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Epoch seconds, milliseconds or an ISO string as epoch seconds (the API may use any of them for times). */
export function toEpochSeconds(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? Math.round(v / 1000) : v;
  if (typeof v === 'string' && v) {
    if (/^\d+$/.test(v)) return toEpochSeconds(Number(v));
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : Math.round(t / 1000);
  }
  return null;
}

export function duration(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "3 h ago" style age of an epoch-seconds time relative to `now` (epoch seconds). */
export function age(epochSeconds: unknown, now = Date.now() / 1000): string {
  const t = toEpochSeconds(epochSeconds);
  if (t === null) return '';
  const d = now - t;
  if (d < 0) return 'in the future';
  if (d < 60) return 'just now';
  return `${duration(d * 1000).replace(/ \d+ (s|min)$/, '')} ago`;
}

export function count(n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '';
}
