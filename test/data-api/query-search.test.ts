import { describe, expect, it } from 'vitest';
import { DataApiError } from '../../api/query/errors.ts';
import { parseSearch, searchClusters, searchEqualities } from '../../api/query/search-language.ts';
import { compileSearch } from '../../api/query/search-match.ts';
import { guest } from './fixtures.ts';

const estate = [
  guest({ vmid: 100, name: 'web01', cluster: 'eu', node: 'pve1', status: 'running', tags: ['prod', 'web'] }),
  guest({ vmid: 101, name: 'web02', cluster: 'eu', node: 'pve2', status: 'stopped', tags: 'test;web', pool: 'dev' }),
  guest({
    vmid: 200,
    name: 'db01',
    cluster: 'us',
    type: 'lxc',
    tags: [],
    pool: undefined,
    nics: [{ key: 'net0', mac: 'bc:24:11:00:00:99', ip: '192.168.5.10/24', firewall: false, linkDown: false }],
    ips: [],
  }),
  guest({
    vmid: 9000,
    name: 'tmpl-debian',
    cluster: 'us',
    template: true,
    status: 'stopped',
    nics: [],
    ips: [],
    tags: [],
  }),
];

const run = (q: string) =>
  estate
    .filter(compileSearch(parseSearch(q)))
    .map((g) => g.vmid)
    .sort();

describe('search language', () => {
  it('parses fields, negation, OR-lists and quotes', () => {
    expect(parseSearch('name:"web 01" -tag:test status:running,paused').terms).toEqual([
      { field: 'name', values: ['web 01'], negate: false },
      { field: 'tag', values: ['test'], negate: true },
      { field: 'status', values: ['running', 'paused'], negate: false },
    ]);
    expect(parseSearch('  ').terms).toEqual([]);
    expect(parseSearch('bc:24:11').terms).toEqual([{ field: 'text', values: ['bc:24:11'], negate: false }]);
    expect(parseSearch('fe80::1').terms[0]?.field).toBe('text');
  });

  it('refuses unknown fields, empty values, bad numbers and unclosed quotes with a clear 400', () => {
    for (const [q, msg] of [
      ['stauts:running', 'unknown'],
      ['name:', 'no value'],
      ['vmid:abc', 'must be a number'],
      ['type:kvm', 'qemu or lxc'],
      ['name:"web', 'unclosed'],
    ] as const) {
      let err: unknown;
      try {
        parseSearch(q);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataApiError);
      expect((err as DataApiError).status).toBe(400);
      expect((err as DataApiError).message).toContain(msg);
    }
  });

  it('matches the contract examples', () => {
    expect(run('name:web status:running tag:prod cluster:eu')).toEqual([100]);
    expect(run('name:web')).toEqual([100, 101]);
    expect(run('-tag:test name:web')).toEqual([100]);
    expect(run('tag:web')).toEqual([100, 101]);
    expect(run('type:lxc')).toEqual([200]);
    expect(run('node:pve2')).toEqual([101]);
    expect(run('pool:dev')).toEqual([101]);
    expect(run('vmid:200')).toEqual([200]);
    expect(run('ip:10.0.')).toEqual([100, 101]);
    expect(run('mac:bc:24:11:00')).toEqual([200]);
    expect(run('template:true')).toEqual([9000]);
    expect(run('name:tmpl-*')).toEqual([9000]);
    expect(run('status:running,stopped cluster:us')).toEqual([200, 9000]);
  });

  it('free text matches name, vmid, MAC and IP', () => {
    expect(run('db')).toEqual([200]);
    expect(run('101')).toEqual([101]);
    expect(run('BC:24:11:00:00:99')).toEqual([200]);
    expect(run('192.168.5')).toEqual([200]);
    expect(run('fe80::1')).toEqual([100, 101]);
    expect(run('nothing-like-this')).toEqual([]);
  });

  it('extracts equality terms that can be pushed down', () => {
    const q = parseSearch('cluster:eu status:Running vmid:100 name:web -node:pve1 pool:a,b');
    expect(searchEqualities(q)).toEqual({ cluster: 'eu', status: 'running', vmid: 100 });
    expect(searchClusters(q)).toEqual(['eu']);
    expect(searchClusters(parseSearch('cluster:eu,us cluster:us'))).toEqual(['us']);
    expect(searchClusters(parseSearch('name:x'))).toBeUndefined();
  });
});
