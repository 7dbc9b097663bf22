import { describe, expect, it } from 'vitest';
import { InvalidUpidError, parseUpid, systemdUnescape, tryParseUpid } from '../../shared/proxmox/index.ts';

describe('UPID parsing', () => {
  it('parses a real PVE UPID', () => {
    const u = parseUpid('UPID:pve:00061CB3:010BA69C:64EFECB0:qmcreate:101:root@pam:');
    expect(u).toMatchObject({
      kind: 'pve',
      node: 'pve',
      pid: 0x61cb3,
      pstart: 0x10ba69c,
      starttime: 0x64efecb0,
      type: 'qmcreate',
      id: '101',
      workerId: '101',
      user: 'root@pam',
    });
    expect(u.taskId).toBeUndefined();
    expect(u.tokenId).toBeUndefined();
  });

  it('accepts a 9-digit pstart, an empty id and a token as user', () => {
    const u = parseUpid('UPID:node-2:0000ABCD:1234ABCDE:65A1B2C3:vzdump::strata@pve!crawler:');
    expect(u).toMatchObject({ kind: 'pve', node: 'node-2', pstart: 0x1234abcde, id: '', type: 'vzdump' });
    expect(u.user).toBe('strata@pve!crawler');
    expect(u.tokenId).toBe('crawler');
  });

  it('parses a PBS UPID with its task counter and decodes the systemd-escaped worker id', () => {
    const upid = 'UPID:pbs1:000003D6:00000D65:00000005:6686A4C1:backup:store1\\x3avm-100:root@pam!tok:';
    const u = parseUpid(upid);
    expect(u).toMatchObject({
      kind: 'pbs',
      node: 'pbs1',
      pid: 0x3d6,
      taskId: 5,
      starttime: 0x6686a4c1,
      type: 'backup',
      workerId: 'store1\\x3avm-100',
      id: 'store1:vm/100',
      user: 'root@pam!tok',
      tokenId: 'tok',
      upid,
    });
  });

  it('tells the two formats apart and honours a requested kind', () => {
    const pve = 'UPID:pve1:00001234:00005678:65A1B2C3:qmstart:100:root@pam:';
    const pbs = 'UPID:elsa:00004F37:0039E469:00000000:5CA78B83:garbage_collection::root@pam:';
    expect(tryParseUpid(pve)?.kind).toBe('pve');
    expect(tryParseUpid(pbs)?.kind).toBe('pbs');
    expect(tryParseUpid(pve, 'pbs')).toBeNull();
    expect(tryParseUpid(pbs, 'pve')).toBeNull();
    expect(parseUpid(pbs, 'pbs').type).toBe('garbage_collection');
  });

  it.each([
    '',
    'UPID:pve1:1234:00005678:65A1B2C3:qmstart:100:root@pam:',
    'UPID:pve1:00001234:00005678:65A1B2C3:qmstart:100:root@pam',
    'UPID:-bad:00001234:00005678:65A1B2C3:qmstart:100:root@pam:',
    'UPID:pve1:00001234:00005678:65A1B2C3:qm start:100:root@pam:',
    'TASK:pve1:00001234:00005678:65A1B2C3:qmstart:100:root@pam:',
  ])('refuses %j with InvalidUpidError', (text) => {
    expect(tryParseUpid(text)).toBeNull();
    expect(() => parseUpid(text)).toThrowError(InvalidUpidError);
  });

  it('says what a UPID looks like when refusing one', () => {
    expect(() => parseUpid('nope', 'pve')).toThrowError(/not a Proxmox VE task id/);
  });

  it('undoes systemd escaping', () => {
    expect(systemdUnescape('a-b\\x2dc\\x3ad')).toBe('a/b-c:d');
    expect(systemdUnescape('caf\\xc3\\xa9')).toBe('café');
  });
});
