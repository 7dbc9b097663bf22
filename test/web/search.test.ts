import { describe, expect, it } from 'vitest';
import { compileSearch, parseSearch, type SearchSpec, tokenize } from '../../web/src/lib/search.ts';

interface Guest {
  name: string;
  vmid: number;
  status: string;
  tags: string[];
  cluster: string;
  ips: string[];
  macs: string[];
}

const mac = (s: string) => s.toUpperCase().replace(/-/g, ':');
const spec: SearchSpec<Guest> = {
  fields: [
    { key: 'name', values: (g) => g.name, match: 'contains' },
    { key: 'status', values: (g) => g.status, match: 'exact' },
    { key: 'tag', values: (g) => g.tags, match: 'equals' },
    { key: 'cluster', values: (g) => g.cluster, match: 'equals' },
    { key: 'vmid', values: (g) => g.vmid, match: 'exact' },
    { key: 'ip', values: (g) => g.ips, match: 'prefix', normalize: (s) => s },
    { key: 'mac', values: (g) => g.macs, match: 'prefix', normalize: mac },
  ],
  text: [
    { key: 'name', values: (g) => g.name, match: 'contains' },
    { key: 'vmid', values: (g) => g.vmid, match: 'exact' },
    { key: 'ip', values: (g) => g.ips, match: 'prefix', normalize: (s) => s },
    { key: 'mac', values: (g) => g.macs, match: 'prefix', normalize: mac },
  ],
};

const guests: Guest[] = [
  {
    name: 'web-01',
    vmid: 100,
    status: 'running',
    tags: ['prod', 'web'],
    cluster: 'eu',
    ips: ['10.0.0.5'],
    macs: ['BC:24:11:00:00:01'],
  },
  {
    name: 'web-02',
    vmid: 101,
    status: 'stopped',
    tags: ['staging'],
    cluster: 'eu',
    ips: ['10.0.1.7'],
    macs: ['BC:24:11:00:00:02'],
  },
  { name: 'db 1', vmid: 200, status: 'running', tags: ['prod'], cluster: 'us-east', ips: ['192.168.1.2'], macs: [] },
];

const names = (q: string) => guests.filter(compileSearch(q, spec).test).map((g) => g.name);

describe('search language in the browser', () => {
  it('tokenizes with quotes kept together and removed', () => {
    expect(tokenize('name:"db 1"  status:run "a\\"b"')).toEqual(['name:db 1', 'status:run', 'a"b']);
    expect(() => tokenize('name:"open')).toThrow(/unclosed/);
  });

  it('parses fields, OR-ed values, negation and free text', () => {
    const keys = new Set(['name', 'mac', 'status']);
    expect(parseSearch('-name:Web !status:running,paused mac:bc:24 bc:24:11 x', keys)).toEqual([
      { key: 'name', values: ['Web'], negate: true },
      { key: 'status', values: ['running', 'paused'], negate: true },
      { key: 'mac', values: ['bc:24'], negate: false },
      { key: null, values: ['bc:24:11'], negate: false },
      { key: null, values: ['x'], negate: false },
    ]);
    expect(() => parseSearch('colour:red', keys)).toThrow(/Unknown search field "colour"/);
  });

  it('ANDs terms across fields', () => {
    expect(names('name:web status:running tag:prod cluster:eu')).toEqual(['web-01']);
    expect(names('tag:prod')).toEqual(['web-01', 'db 1']);
    expect(names('tag:pro')).toEqual([]);
    expect(names('tag:pro*')).toEqual(['web-01', 'db 1']);
  });

  it('matches status exactly, name by substring, case-insensitively', () => {
    expect(names('status:RUNNING')).toEqual(['web-01', 'db 1']);
    expect(names('status:run')).toEqual([]);
    expect(names('name:EB-0')).toEqual(['web-01', 'web-02']);
    expect(names('status:stopped,running')).toHaveLength(3);
    expect(names('cluster:us*')).toEqual(['db 1']);
  });

  it('matches free text against name, vmid, IP prefix and MAC prefix', () => {
    expect(names('200')).toEqual(['db 1']);
    expect(names('10.0.1')).toEqual(['web-02']);
    expect(names('bc:24:11:00:00:01')).toEqual(['web-01']);
    expect(names('bc-24-11')).toEqual(['web-01', 'web-02']);
    expect(names('ip:10.0.')).toEqual(['web-01', 'web-02']);
    expect(names('mac:bc:24')).toEqual(['web-01', 'web-02']);
  });

  it('negates terms and supports quoted values', () => {
    expect(names('-status:running')).toEqual(['web-02']);
    expect(names('!status:running')).toEqual(['web-02']);
    expect(names('name:"db 1"')).toEqual(['db 1']);
    expect(names('-web')).toEqual(['db 1']);
  });

  it('a field still being typed does not filter; a bad query matches nothing and says why', () => {
    expect(names('name:')).toHaveLength(3);
    expect(names('   ')).toHaveLength(3);
    const bad = compileSearch('size:5', spec);
    expect(bad.error).toMatch(/Unknown search field/);
    expect(guests.filter(bad.test)).toEqual([]);
  });

  it('filters 10,000 rows within a keystroke budget', () => {
    const many: Guest[] = Array.from({ length: 10000 }, (_, i) => ({
      name: `guest-${i}`,
      vmid: 1000 + i,
      status: i % 3 ? 'running' : 'stopped',
      tags: i % 5 ? ['prod'] : ['dev'],
      cluster: `c${i % 7}`,
      ips: [`10.${i % 256}.0.${i % 200}`],
      macs: [`BC:24:11:00:${(i % 256).toString(16)}:00`],
    }));
    many.filter(compileSearch('guest-9', spec).test); // fills the per-row caches, as the first keystroke does
    const t0 = performance.now();
    const hits = many.filter(compileSearch('guest-99 status:running tag:prod', spec).test);
    const ms = performance.now() - t0;
    expect(hits.length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(50);
  });
});
