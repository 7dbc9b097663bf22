import { describe, expect, it } from 'vitest';
import { DataApiError } from '../../api/query/errors.ts';
import { filterAndSort, listPage, pageRows, parseFields, parseSort } from '../../api/query/list.ts';
import { parseSearch } from '../../api/query/search-language.ts';
import { SnapshotCache } from '../../api/query/snapshot-cache.ts';
import { guest } from './fixtures.ts';

const docs = Array.from({ length: 25 }, (_, i) =>
  guest({
    vmid: 100 + i,
    name: `vm${String(i).padStart(2, '0')}`,
    node: i % 2 ? 'pve2' : 'pve1',
    status: i % 3 ? 'running' : 'stopped',
    memoryBytes: (i % 5) * 1024,
    tags: i % 4 === 0 ? ['backup'] : [],
  }),
);
const noSearch = parseSearch('');

describe('list paging, filters, sort and fields', () => {
  it('pages through every item exactly once with cursors, in both orders and with ties', () => {
    for (const order of ['asc', 'desc'] as const) {
      for (const sort of ['vmid', 'memoryBytes', 'status']) {
        const rows = filterAndSort('instances', docs, { filters: {}, search: noSearch, sort, order });
        const seen: unknown[] = [];
        let cursor: { s: string | number | boolean | null; k: string } | undefined;
        for (let i = 0; i < 10; i++) {
          const page = pageRows(rows, { limit: 7, cursor, order });
          seen.push(...page.items.map((d) => d.vmid));
          expect(page.total).toBe(25);
          if (!page.next) break;
          cursor = page.next;
        }
        expect(seen).toHaveLength(25);
        expect(new Set(seen).size).toBe(25);
        if (sort === 'vmid') expect(seen[0]).toBe(order === 'asc' ? 100 : 124);
      }
    }
  });

  it('applies filters and the search language together', () => {
    const page = listPage('instances', docs, {
      filters: { node: ['pve1'], status: ['running'], tag: ['backup'] },
      search: parseSearch('name:vm*'),
      sort: 'vmid',
      order: 'asc',
      limit: 100,
      fields: ['vmid', 'name'],
    });
    // i even (pve1), i % 3 != 0 (running), i % 4 == 0 (tag): i = 4, 8, 16, 20
    expect(page.items).toEqual([
      { vmid: 104, name: 'vm04' },
      { vmid: 108, name: 'vm08' },
      { vmid: 116, name: 'vm16' },
      { vmid: 120, name: 'vm20' },
    ]);
    expect(page.next).toBeUndefined();
    const byName = listPage('instances', docs, {
      filters: { name: 'VM1' },
      search: noSearch,
      sort: 'vmid',
      order: 'asc',
      limit: 3,
    });
    expect(byName.total).toBe(10);
    expect(byName.items.map((d) => d.vmid)).toEqual([110, 111, 112]);
  });

  it('refuses unknown sort fields, orders and bad field names', () => {
    expect(() => parseSort('instances', 'password', undefined)).toThrow(DataApiError);
    expect(() => parseSort('instances', 'vmid', 'up')).toThrow(/asc or desc/);
    expect(parseSort('storages', undefined, undefined)).toEqual({ sort: 'storage', order: 'asc' });
    expect(() => parseFields('name,$where')).toThrow(/invalid field name/);
    expect(parseFields('name, vmid,name')).toEqual(['name', 'vmid']);
  });
});

describe('snapshot cache', () => {
  it('shares one load between concurrent misses, evicts by weight, drops purged dates', async () => {
    const cache = new SnapshotCache(10);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 10));
      return [1, 2, 3];
    };
    const [a, b] = await Promise.all([
      cache.get('k1', [1], load, (v) => v.length),
      cache.get('k1', [1], load, (v) => v.length),
    ]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
    await cache.get(
      'k2',
      [2],
      async () => [1, 2, 3, 4, 5],
      (v) => v.length,
    );
    await cache.get(
      'k3',
      [3],
      async () => [1, 2, 3, 4, 5],
      (v) => v.length,
    );
    expect(cache.peek('k1')).toBeUndefined(); // least recently used went first
    expect(cache.totalWeight).toBe(10);
    cache.dropDates([2]);
    expect(cache.peek('k2')).toBeUndefined();
    expect(cache.peek('k3')).toEqual([1, 2, 3, 4, 5]);
    await cache.get(
      'big',
      [4],
      async () => new Array(50).fill(0),
      (v) => v.length,
    );
    expect(cache.peek('big')).toBeUndefined();
    await expect(
      cache.get(
        'err',
        [5],
        async () => Promise.reject(new Error('boom')),
        () => 1,
      ),
    ).rejects.toThrow('boom');
    expect(
      await cache.get(
        'err',
        [5],
        async () => 'ok',
        () => 1,
      ),
    ).toBe('ok');
  });
});
