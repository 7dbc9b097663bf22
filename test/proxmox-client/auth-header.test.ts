import { describe, expect, it } from 'vitest';
import {
  ClientConfigError,
  checkTokenId,
  needsCsrf,
  ticketCookie,
  tokenAuthorization,
} from '../../shared/proxmox/index.ts';

const SECRET = '0b7e2a6c-5d2f-4a51-9b0e-2f6c1d3e4a5b';

describe('authentication headers', () => {
  it('formats API tokens in each product’s own way', () => {
    expect(tokenAuthorization('pve', 'root@pam!strata', SECRET)).toBe(`PVEAPIToken=root@pam!strata=${SECRET}`);
    expect(tokenAuthorization('pbs', 'root@pam!strata', SECRET)).toBe(`PBSAPIToken=root@pam!strata:${SECRET}`);
  });

  it('accepts user names with an @ before the realm', () => {
    expect(checkTokenId('jane@example.com@ad!crawler')).toBe('jane@example.com@ad!crawler');
  });

  it.each(['root@pam', 'root!tok', 'root@pam!', '@pam!tok', 'root@pam!tok x', 'root@pam!tok=1'])(
    'refuses the token id %j',
    (id) => {
      expect(() => checkTokenId(id)).toThrowError(ClientConfigError);
    },
  );

  it('refuses an empty or malformed secret without echoing it', () => {
    expect(() => tokenAuthorization('pve', 'root@pam!t', '')).toThrowError(ClientConfigError);
    try {
      tokenAuthorization('pve', 'root@pam!t', 'sec ret;x');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('sec ret');
    }
  });

  it('names the ticket cookie per product and asks CSRF for writes only', () => {
    expect(ticketCookie('pve', 'PVE:root@pam:65A1B2C3::sig')).toBe('PVEAuthCookie=PVE:root@pam:65A1B2C3::sig');
    expect(ticketCookie('pbs', 'PBS:x')).toBe('PBSAuthCookie=PBS:x');
    expect(needsCsrf('GET')).toBe(false);
    expect(['POST', 'PUT', 'DELETE'].every(needsCsrf)).toBe(true);
  });
});
