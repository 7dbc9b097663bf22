import { html } from 'htm/preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ColumnDef, cellText, guestTags, type Row } from '../lib/kinds.ts';
import { visibleRange } from '../lib/virtual.ts';
import { hrefWithScope, Link } from '../router.ts';
import { Badge, UsageBar } from './common.ts';

export const ROW_HEIGHT = 34;
const HEAD_HEIGHT = 38;

/**
 * A table that renders only the rows in view (and a few more), so 10,000 or 100,000 rows scroll and filter
 * as fast as 50. Rows have a fixed height; the header stays on top; the scroller takes keyboard focus, so
 * arrow keys and Page Up/Down scroll it, and the links inside rows are in the tab order.
 */
export function VirtualTable(props: {
  label: string;
  rows: readonly Row[];
  columns: readonly ColumnDef[];
  sort: string | null;
  order: 'asc' | 'desc';
  onSort: (key: string) => void;
  rowKey: (row: Row) => string;
  /** When this changes the list scrolls back to the top (a new filter, a new date). */
  resetKey?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current!;
    setViewport(el.clientHeight);
    const ro = new ResizeObserver(() => setViewport(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  }, [props.resetKey]);

  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (scroller.current) setScrollTop(scroller.current.scrollTop);
    });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const template = useMemo(() => props.columns.map((c) => `${c.width}px`).join(' '), [props.columns]);
  const width = useMemo(() => props.columns.reduce((w, c) => w + c.width, 0), [props.columns]);
  const range = visibleRange({
    scrollTop,
    viewportHeight: viewport - HEAD_HEIGHT,
    rowHeight: ROW_HEIGHT,
    rowCount: props.rows.length,
    overscan: 6,
  });

  const visible = props.rows.slice(range.start, range.end);
  return html`<div
    class="vt"
    role="table"
    aria-label=${props.label}
    aria-rowcount=${props.rows.length + 1}
    style=${{ '--vt-cols': template, '--vt-width': `${width}px` }}
  >
    <div class="vt-scroll" ref=${scroller} onScroll=${onScroll} tabindex="0" aria-label=${`${props.label}: scrollable`}>
      <div class="vt-inner" style=${{ height: `${range.totalHeight + HEAD_HEIGHT}px` }}>
        <div class="vt-head vt-row" role="row" aria-rowindex="1">
          ${props.columns.map((c) => {
            const active = props.sort === c.key;
            const ariaSort = active ? (props.order === 'asc' ? 'ascending' : 'descending') : 'none';
            return html`<div class=${`vt-cell ${isNumeric(c) ? 'num' : ''}`} role="columnheader" aria-sort=${ariaSort} key=${c.key}>
              <button type="button" class="vt-sort" onClick=${() => props.onSort(c.key)} aria-label=${`Sort by ${c.label}`}>
                ${c.label}<span class="vt-arrow" aria-hidden="true">${active ? (props.order === 'asc' ? '▲' : '▼') : ''}</span>
              </button>
            </div>`;
          })}
        </div>
        <div class="vt-rows" role="rowgroup" style=${{ transform: `translateY(${range.offset}px)` }}>
          ${visible.map(
            (row, i) => html`<div
              class="vt-row"
              role="row"
              key=${props.rowKey(row)}
              aria-rowindex=${range.start + i + 2}
            >
              ${props.columns.map((c) => html`<div class=${`vt-cell ${isNumeric(c) ? 'num' : ''}`} role="cell" key=${c.key}>${cell(c, row)}</div>`)}
            </div>`,
          )}
        </div>
      </div>
    </div>
  </div>`;
}

function isNumeric(c: ColumnDef): boolean {
  return c.format === 'bytes' || c.format === 'count' || c.format === 'percent' || c.key === 'vmid';
}

function cell(c: ColumnDef, row: Row) {
  switch (c.cell) {
    case 'guest-link': {
      const uid = row.uid;
      const text = cellText(c, row) || `(${String(row.vmid ?? 'unnamed')})`;
      if (typeof uid !== 'string' || !uid) return text;
      return html`<${Link} href=${hrefWithScope(`/guests/${encodeURIComponent(uid)}`)} title=${text}>${text}<//>`;
    }
    case 'status':
      return html`<${Badge} value=${c.value(row)} />`;
    case 'tags':
      return guestTags(row).map((t) => html`<span class="tag" key=${t}>${t}</span>`);
    case 'usage': {
      const v = c.value(row);
      return html`<${UsageBar} fraction=${typeof v === 'number' ? v : null} />`;
    }
    default: {
      const text = cellText(c, row);
      return html`<span title=${text.length > 24 ? text : undefined}>${text}</span>`;
    }
  }
}
