import { describe, expect, it } from 'vitest';
import { apiScope, carried, parseDate, readView, withParams, writeView } from '../../web/src/lib/url-state.ts';

describe('URL state', () => {
  it('reads defaults from an empty query', () => {
    expect(readView('')).toEqual({ date: 'last', clusters: [], q: '', sort: null, order: 'asc', cols: null });
  });

  it('round-trips a full view and keeps it readable', () => {
    const s = writeView('', {
      date: 1732355100,
      clusters: ['eu', 'us'],
      q: 'name:web status:running',
      sort: 'name',
      order: 'desc',
      cols: ['name', 'vmid'],
    });
    expect(s).toBe('?cluster=eu,us&cols=name,vmid&date=1732355100&order=desc&q=name:web+status:running&sort=name');
    expect(readView(s)).toEqual({
      date: 1732355100,
      clusters: ['eu', 'us'],
      q: 'name:web status:running',
      sort: 'name',
      order: 'desc',
      cols: ['name', 'vmid'],
    });
  });

  it('drops defaults when written back', () => {
    const s = writeView('?date=5&cluster=a&q=x&order=desc', { date: 'last', clusters: [], q: '', order: 'asc' });
    expect(s).toBe('');
  });

  it('rejects junk dates as latest', () => {
    expect(parseDate('abc')).toBe('last');
    expect(parseDate('-5')).toBe('last');
    expect(parseDate('latest')).toBe('last');
    expect(parseDate('0')).toBe('last');
    expect(parseDate('1732355100')).toBe(1732355100);
  });

  it('carries only date and cluster to another page', () => {
    expect(carried('?date=9&cluster=eu&q=name:x&sort=vmid')).toBe('?cluster=eu&date=9');
  });

  it('sets and removes other parameters', () => {
    expect(withParams('?a=1&b=2', { a: null, c: 3 })).toBe('?b=2&c=3');
  });

  it('maps a view to API parameters', () => {
    expect(apiScope({ date: 'last', clusters: [] })).toEqual({ date: 'last' });
    expect(apiScope({ date: 7, clusters: ['a', 'b'] })).toEqual({ date: '7', cluster: 'a,b' });
  });

  it('ignores empty and duplicate cluster names', () => {
    expect(readView('?cluster=a,,b,a').clusters).toEqual(['a', 'b']);
  });
});
