import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../api/query/cursor.ts';
import { DataApiError } from '../../api/query/errors.ts';
import {
  parseClusterList,
  parseDate,
  parseDateRef,
  parseLimit,
  parseNodeName,
  parseObjectIdHex,
  parseUid,
  parseVmid,
} from '../../api/query/params.ts';

function errorOf(f: () => unknown): DataApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof DataApiError) return e;
    throw e;
  }
  throw new Error('expected a DataApiError');
}

describe('path and query parameters', () => {
  it('accepts last and 10-digit epoch dates, refuses everything else with a 400 naming the parameter', () => {
    expect(parseDateRef(undefined)).toBe('last');
    expect(parseDateRef('last')).toBe('last');
    expect(parseDateRef('1714060800')).toBe(1714060800);
    for (const bad of ['yesterday', '-1', '0', '1714060800.5', '17140608001', '171406080', '1e9', ' 1714060800']) {
      const e = errorOf(() => parseDateRef(bad));
      expect(e.status).toBe(400);
      expect(e.code).toBe('invalid_date');
      expect(e.message).toContain('epoch seconds');
    }
    expect(errorOf(() => parseDate(undefined, 'from')).message).toBe('Parameter from is required.');
    expect(errorOf(() => parseDate('last', 'from')).code).toBe('invalid_date');
    expect(parseDate('last', 'to', { allowLast: true })).toBe('last');
  });

  it('validates names, vmids, uids and ids', () => {
    expect(parseNodeName('pve-01')).toBe('pve-01');
    expect(errorOf(() => parseNodeName('-pve')).code).toBe('invalid_name');
    expect(errorOf(() => parseNodeName('a/b')).code).toBe('invalid_name');
    expect(parseVmid('100')).toBe(100);
    expect(errorOf(() => parseVmid('99')).code).toBe('invalid_vmid');
    expect(errorOf(() => parseVmid('1000000000')).code).toBe('invalid_vmid');
    expect(errorOf(() => parseVmid('abc')).message).toContain('between 100 and 999999999');
    expect(parseUid('eu:100:1700000000')).toBe('eu:100:1700000000');
    expect(errorOf(() => parseUid('$where')).code).toBe('invalid_uid');
    expect(parseObjectIdHex('65A1B2C3D4E5F60718293A4B')).toBe('65a1b2c3d4e5f60718293a4b');
    expect(errorOf(() => parseObjectIdHex('xyz')).code).toBe('invalid_id');
    expect(parseClusterList('eu,us,eu')).toEqual(['eu', 'us']);
    expect(errorOf(() => parseClusterList('eu,$ne')).code).toBe('invalid_name');
    expect(parseLimit(undefined, { def: 100, max: 1000 })).toBe(100);
    expect(errorOf(() => parseLimit('0', { def: 100, max: 1000 })).code).toBe('invalid_limit');
    expect(errorOf(() => parseLimit('1001', { def: 100, max: 1000 })).code).toBe('invalid_limit');
  });
});

describe('cursors', () => {
  it('round-trip and are bound to their query', () => {
    const fp = queryFingerprint({ date: 1, kind: 'instances', sort: 'vmid' });
    expect(queryFingerprint({ sort: 'vmid', kind: 'instances', date: 1 })).toBe(fp);
    const c = encodeCursor({ s: 105, k: 'abc' }, fp);
    expect(decodeCursor(c, fp)).toEqual({ s: 105, k: 'abc' });
    const other = queryFingerprint({ date: 2, kind: 'instances', sort: 'vmid' });
    expect(errorOf(() => decodeCursor(c, other)).code).toBe('cursor_mismatch');
    expect(errorOf(() => decodeCursor('not a cursor!', fp)).code).toBe('invalid_cursor');
    expect(errorOf(() => decodeCursor(Buffer.from('{"s":{}}').toString('base64url'), fp)).code).toBe('invalid_cursor');
  });
});
