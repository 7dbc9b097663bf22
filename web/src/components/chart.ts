import { html } from 'htm/preact';
import { linePath, niceMax, scale, ticks } from '../lib/chart.ts';
import { dateTime } from '../lib/format.ts';

export interface Series {
  label: string;
  points: { x: number; y: number | null }[];
}

const W = 560;
const H = 180;
const PAD = { left: 64, right: 12, top: 10, bottom: 26 };

/**
 * A line chart drawn as inline SVG (no chart library, nothing fetched): x is time (epoch seconds), one line per
 * series; colours come from the stylesheet. Each point has a <title> for a hover label and screen readers.
 */
export function LineChart(props: { title: string; series: Series[]; format: (v: number) => string; max?: number }) {
  const xs = props.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = props.series.flatMap((s) => s.points.map((p) => p.y ?? 0));
  if (xs.length === 0) return html`<p class="empty">No data for ${props.title.toLowerCase()} in this period.</p>`;
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const yMax = props.max ?? niceMax(Math.max(...ys, 0));
  const sx = scale([x0, x1 === x0 ? x0 + 1 : x1], [PAD.left, W - PAD.right]);
  const sy = scale([0, yMax], [H - PAD.bottom, PAD.top]);
  const xTicks = x1 === x0 ? [x0] : [x0, x0 + (x1 - x0) / 2, x1];
  return html`<figure class="chart">
    <figcaption>${props.title}</figcaption>
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${props.title} preserveAspectRatio="none">
      ${ticks(yMax).map(
        (t) => html`<g>
          <line class="grid" x1=${PAD.left} x2=${W - PAD.right} y1=${sy(t)} y2=${sy(t)} />
          <text class="axis" x=${PAD.left - 6} y=${sy(t) + 4} text-anchor="end">${props.format(t)}</text>
        </g>`,
      )}
      ${xTicks.map(
        (t, i) => html`<text
          class="axis"
          x=${sx(t)}
          y=${H - 6}
          text-anchor=${i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}
          >${dateTime(t).slice(5)}</text
        >`,
      )}
      ${props.series.map((s, i) => {
        const pts = s.points.map((p) => ({ x: sx(p.x), y: p.y === null ? null : sy(p.y) }));
        return html`<g class=${`series s${i % 6}`}>
          <path d=${linePath(pts)} />
          ${
            pts.length <= 120 &&
            pts.map(
              (p, j) =>
                p.y !== null &&
                html`<circle cx=${p.x} cy=${p.y} r="2.5"><title>${`${s.label} ${dateTime(s.points[j]!.x)}: ${props.format(s.points[j]!.y ?? 0)}`}</title></circle>`,
            )
          }
        </g>`;
      })}
    </svg>
    <ul class="legend">
      ${props.series.map((s, i) => html`<li class=${`s${i % 6}`}><span class="swatch" aria-hidden="true"></span>${s.label}</li>`)}
    </ul>
  </figure>`;
}

/** A single-value ring, e.g. backup coverage. */
export function Donut(props: { fraction: number; label: string; tone?: string }) {
  const f = Math.max(0, Math.min(1, props.fraction));
  const r = 40;
  const c = 2 * Math.PI * r;
  return html`<svg class=${`donut ${props.tone ?? ''}`} viewBox="0 0 100 100" role="img" aria-label=${props.label}>
    <circle class="donut-track" cx="50" cy="50" r=${r} />
    <circle class="donut-fill" cx="50" cy="50" r=${r} stroke-dasharray=${`${f * c} ${c}`} transform="rotate(-90 50 50)" />
    <text x="50" y="55" text-anchor="middle" class="donut-text">${Math.round(f * 100)}%</text>
  </svg>`;
}
