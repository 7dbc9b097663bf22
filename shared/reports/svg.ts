/** Small inline SVG charts for the HTML reports: horizontal (stacked) bars, every label escaped. */
import { escapeHtml } from './html.ts';

export interface BarPart {
  value: number;
  color: string;
  /** shown on hover and in the legend */
  label: string;
}

export interface BarRow {
  label: string;
  parts: BarPart[];
  /** text written after the bar, e.g. "142 %" */
  note?: string;
  /** draws a vertical marker at this value on the row (e.g. physical capacity) */
  marker?: number;
}

export const PALETTE = {
  blue: '#2f6fb2',
  lightBlue: '#9cc3ea',
  green: '#3f9b5a',
  red: '#c8463d',
  orange: '#e08a2b',
  grey: '#a9b2bd',
} as const;

const LABEL_W = 200;
const BAR_W = 360;
const NOTE_W = 180;
const ROW_H = 22;

/** Horizontal bars, one row per label, parts stacked left to right, scaled to the largest row (or `max`). */
export function barChart(
  title: string,
  rows: readonly BarRow[],
  opts: { max?: number; markerLabel?: string } = {},
): string {
  const scaleMax =
    opts.max ??
    Math.max(
      1,
      ...rows.map((r) =>
        Math.max(
          r.marker ?? 0,
          r.parts.reduce((s, p) => s + p.value, 0),
        ),
      ),
    );
  const legend = new Map<string, string>();
  for (const r of rows) for (const p of r.parts) legend.set(p.label, p.color);
  const width = LABEL_W + BAR_W + NOTE_W;
  const height = rows.length * ROW_H + 30;
  const out: string[] = [];
  out.push(
    `<figure><figcaption>${escapeHtml(title)}</figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}" font-family="system-ui,sans-serif" font-size="12">`,
  );
  rows.forEach((r, i) => {
    const y = i * ROW_H;
    const label = r.label.length > 28 ? `${r.label.slice(0, 27)}…` : r.label;
    out.push(`<text x="${LABEL_W - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(label)}</text>`);
    out.push(`<rect x="${LABEL_W}" y="${y + 3}" width="${BAR_W}" height="${ROW_H - 6}" fill="#f1f4f8"/>`);
    let x = LABEL_W;
    for (const p of r.parts) {
      const w = Math.max(0, (p.value / scaleMax) * BAR_W);
      if (w > 0) {
        out.push(
          `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW_H - 6}" fill="${p.color}"><title>${escapeHtml(`${r.label}: ${p.label} ${p.value}`)}</title></rect>`,
        );
      }
      x += w;
    }
    if (r.marker !== undefined) {
      const mx = LABEL_W + Math.min(1, r.marker / scaleMax) * BAR_W;
      out.push(
        `<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="${y + 1}" y2="${y + ROW_H - 1}" stroke="#1d2733" stroke-width="2"/>`,
      );
    }
    if (r.note) out.push(`<text x="${LABEL_W + BAR_W + 6}" y="${y + 15}">${escapeHtml(r.note)}</text>`);
  });
  let lx = LABEL_W;
  const ly = rows.length * ROW_H + 12;
  for (const [label, color] of legend) {
    out.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${color}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly + 9}">${escapeHtml(label)}</text>`);
    lx += 24 + label.length * 7;
  }
  if (opts.markerLabel && rows.some((r) => r.marker !== undefined)) {
    out.push(`<line x1="${lx + 5}" x2="${lx + 5}" y1="${ly - 1}" y2="${ly + 11}" stroke="#1d2733" stroke-width="2"/>`);
    out.push(`<text x="${lx + 14}" y="${ly + 9}">${escapeHtml(opts.markerLabel)}</text>`);
  }
  out.push('</svg></figure>');
  return out.join('');
}
