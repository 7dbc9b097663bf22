import { describe, expect, it } from 'vitest';
import { parseSearch as serverParse } from '../../api/query/search-language.ts';
import { compileSearch as serverCompile } from '../../api/query/search-match.ts';
import { GUEST_SEARCH } from '../../web/src/lib/kinds.ts';
import { compileSearch } from '../../web/src/lib/search.ts';

/** The console filters loaded guests in the browser; the API filters with `q`. Both must pick the same guests. */
const guests = Array.from({ length: 60 }, (_, i) => ({
  cluster: ['eu-west', 'us-east', 'lab'][i % 3]!,
  node: `pve${(i % 4) + 1}`,
  vmid: 100 + i,
  uid: `u${i}`,
  type: i % 4 === 0 ? 'lxc' : 'qemu',
  name: [`web-${i}`, `db-${i}`, `Cache ${i}`, `<b>x</b>${i}`][i % 4]!,
  status: ['running', 'stopped', 'paused'][i % 3]!,
  template: i % 11 === 0,
  pool: i % 5 === 0 ? 'prod' : undefined,
  tags: i % 2 ? ['prod', `t${i % 3}`] : ['dev'],
  nics: [
    {
      key: 'net0',
      mac: `BC:24:11:00:${(i % 256).toString(16).padStart(2, '0').toUpperCase()}:01`,
      firewall: false,
      linkDown: false,
    },
  ],
  ips: i % 3 ? [`10.0.${i % 7}.${i}`, `fd00::${i}`] : [],
}));

const queries = [
  '',
  'web',
  'WEB',
  'name:web status:running',
  'name:"Cache 1"',
  'status:running,paused',
  '-status:running',
  '!tag:prod',
  'tag:prod cluster:eu-west',
  'tag:t*',
  'cluster:us*',
  'node:pve2 type:lxc',
  'pool:prod',
  'vmid:105',
  '105',
  'ip:10.0.3.',
  '10.0.1',
  'fd00::1',
  'mac:bc:24:11:00:0a',
  'bc:24:11:00:1',
  'bc-24-11-00-2',
  'uid:u7',
  'template:true',
  'template:no',
  'name:web-1* status:stopped',
  '<b>',
  'x</b>1',
];

describe('search parity between the console and the API', () => {
  for (const q of queries) {
    it(`"${q}" selects the same guests`, () => {
      const server = serverCompile(serverParse(q));
      const client = compileSearch(q, GUEST_SEARCH);
      expect(client.error).toBeNull();
      const a = guests.filter((g) => server(g as never)).map((g) => g.uid);
      const b = guests.filter((g) => client.test(g)).map((g) => g.uid);
      expect(b).toEqual(a);
    });
  }

  it('rejects the same unknown field', () => {
    expect(() => serverParse('colour:red')).toThrow();
    expect(compileSearch('colour:red', GUEST_SEARCH).error).toMatch(/colour/);
  });
});
