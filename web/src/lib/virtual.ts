/** Which rows of a fixed-row-height list are on screen, plus some overscan: only those are rendered. */
export interface VisibleRange {
  start: number;
  /** Exclusive. */
  end: number;
  /** Pixels from the top of the list to the first rendered row. */
  offset: number;
  totalHeight: number;
}

export function visibleRange(opts: {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  rowCount: number;
  overscan?: number;
}): VisibleRange {
  const { rowHeight, rowCount } = opts;
  const overscan = opts.overscan ?? 8;
  const totalHeight = rowCount * rowHeight;
  if (rowCount === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, totalHeight };
  const maxScroll = Math.max(0, totalHeight - opts.viewportHeight);
  const scrollTop = Math.min(Math.max(0, opts.scrollTop), maxScroll);
  const first = Math.floor(scrollTop / rowHeight);
  const visible = Math.ceil(Math.max(opts.viewportHeight, 0) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(rowCount, first + visible + overscan);
  return { start, end, offset: start * rowHeight, totalHeight };
}

/** The scrollTop that brings row `index` into view, moving as little as possible. */
export function scrollIntoView(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return bottom - viewportHeight;
  return scrollTop;
}
