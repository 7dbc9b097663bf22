import { describe, expect, it } from 'vitest';
import {
  apiPath,
  ClientConfigError,
  checkPath,
  encodeSegment,
  formBody,
  joinPath,
  jsonBody,
  queryString,
} from '../../shared/proxmox/index.ts';

describe('request encoding', () => {
  it('sends booleans as 1/0 in forms and query strings', () => {
    expect(formBody({ online: true, force: false, target: 'pve2' })).toBe('online=1&force=0&target=pve2');
    expect(queryString({ full: true })).toBe('?full=1');
  });

  it('drops null and undefined, repeats arrays, encodes reserved characters', () => {
    expect(formBody({ a: undefined, b: null, c: 0, d: '' })).toBe('c=0&d=');
    expect(formBody({ vmid: [100, 101] })).toBe('vmid=100&vmid=101');
    expect(formBody({ description: 'a&b=c ü\n#x' })).toBe('description=a%26b%3Dc+%C3%BC%0A%23x');
    expect(queryString({})).toBe('');
    expect(queryString(undefined)).toBe('');
  });

  it('refuses nested objects and non-finite numbers in forms', () => {
    expect(() => formBody({ x: { y: 1 } } as never)).toThrowError(ClientConfigError);
    expect(() => formBody({ x: Number.NaN })).toThrowError(/finite number/);
  });

  it('keeps real booleans in JSON bodies', () => {
    expect(JSON.parse(jsonBody({ online: true, n: 2 }))).toEqual({ online: true, n: 2 });
    expect(jsonBody(undefined)).toBe('{}');
  });

  it('encodes each path segment, so UPIDs and volume ids stay one segment', () => {
    const upid = 'UPID:pve1:00001234:00005678:65A1B2C3:qmstart:100:root@pam!tok:';
    expect(joinPath(['nodes', 'pve1', 'tasks', upid, 'status'])).toBe(
      '/nodes/pve1/tasks/UPID%3Apve1%3A00001234%3A00005678%3A65A1B2C3%3Aqmstart%3A100%3Aroot%40pam!tok%3A/status',
    );
    expect(apiPath`/nodes/${'pve1'}/storage/${'local'}/content/${'local:iso/a b.iso'}`).toBe(
      '/nodes/pve1/storage/local/content/local%3Aiso%2Fa%20b.iso',
    );
    expect(encodeSegment(100)).toBe('100');
  });

  it('refuses path segments and paths that would change the path', () => {
    expect(() => encodeSegment('..')).toThrowError(ClientConfigError);
    expect(() => encodeSegment('')).toThrowError(ClientConfigError);
    expect(() => checkPath('nodes')).toThrowError(/not an API path/);
    expect(() => checkPath('/nodes?full=1')).toThrowError(/query/);
    expect(() => checkPath('/nodes/../access')).toThrowError(ClientConfigError);
    expect(checkPath('/cluster/resources')).toBe('/cluster/resources');
  });
});
