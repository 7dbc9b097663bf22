import { describe, expect, it } from 'vitest';
import { scrollIntoView, visibleRange } from '../../web/src/lib/virtual.ts';

describe('virtual list maths', () => {
  it('renders only the rows in view plus overscan', () => {
    const r = visibleRange({ scrollTop: 3200, viewportHeight: 640, rowHeight: 32, rowCount: 10000, overscan: 5 });
    expect(r.start).toBe(95);
    expect(r.end).toBe(100 + 21 + 5);
    expect(r.offset).toBe(95 * 32);
    expect(r.totalHeight).toBe(320000);
  });

  it('clamps at the top and the bottom', () => {
    expect(visibleRange({ scrollTop: -50, viewportHeight: 100, rowHeight: 10, rowCount: 1000, overscan: 2 })).toEqual({
      start: 0,
      end: 13,
      offset: 0,
      totalHeight: 10000,
    });
    const end = visibleRange({ scrollTop: 1e9, viewportHeight: 100, rowHeight: 10, rowCount: 1000, overscan: 2 });
    expect(end.end).toBe(1000);
    expect(end.start).toBe(988);
  });

  it('handles empty and short lists', () => {
    expect(visibleRange({ scrollTop: 0, viewportHeight: 500, rowHeight: 30, rowCount: 0 }).end).toBe(0);
    expect(visibleRange({ scrollTop: 0, viewportHeight: 500, rowHeight: 30, rowCount: 3 }).end).toBe(3);
  });

  it('scrolls the least to show a row', () => {
    expect(scrollIntoView(10, 0, 100, 20)).toBe(120);
    expect(scrollIntoView(2, 100, 100, 20)).toBe(40);
    expect(scrollIntoView(6, 100, 100, 20)).toBe(100);
  });
});
