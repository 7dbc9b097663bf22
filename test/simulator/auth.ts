import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthError } from './http/errors.ts';

export const TICKET_LIFETIME = 7200;
const GRACE = 300;

export type Role = 'admin' | 'audit';

export interface Principal {
  userid: string;
  /** Full token id (user@realm!name) when authenticated by API token. */
  tokenid?: string;
  role: Role;
  via: 'ticket' | 'token';
}

export interface Account {
  userid: string;
  password: string;
  role: Role;
}

export interface Token {
  tokenid: string;
  secret: string;
  role: Role;
}

/**
 * Accounts, tickets and CSRF tokens of one PVE cluster or PBS. Tickets are HMAC-signed (PVE signs with RSA; the
 * format is the same): `PVE:<userid>:<HEXTIME>::<sig>`. `expireAll()` changes the key, so every issued ticket
 * becomes invalid. The clock can be shifted to test the 2 h lifetime.
 */
export class AuthRealm {
  private key = randomBytes(32);
  private readonly csrfKey = randomBytes(32);
  readonly accounts = new Map<string, Account>();
  readonly tokens = new Map<string, Token>();
  clockOffset = 0;

  constructor(readonly product: 'PVE' | 'PBS') {
    const pw = () => randomBytes(12).toString('base64url');
    this.addAccount({ userid: 'root@pam', password: pw(), role: 'admin' });
    this.addAccount({ userid: 'auditor@pve', password: pw(), role: 'audit' });
    this.tokens.set('root@pam!strata', { tokenid: 'root@pam!strata', secret: randomUUID(), role: 'admin' });
    this.tokens.set('auditor@pve!ro', { tokenid: 'auditor@pve!ro', secret: randomUUID(), role: 'audit' });
  }

  addAccount(a: Account): void {
    this.accounts.set(a.userid, a);
  }

  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffset;
  }

  expireAll(): void {
    this.key = randomBytes(32);
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64');
  }

  issueTicket(userid: string): { ticket: string; csrf: string } {
    const hex = this.now().toString(16).toUpperCase().padStart(8, '0');
    const data = `${this.product}:${userid.replace(/:/g, '%3A')}:${hex}`;
    const ticket = `${data}::${this.sign(data)}`;
    const csrfSig = createHmac('sha256', this.csrfKey).update(`${hex}:${userid}`).digest('base64').replace(/=+$/, '');
    return { ticket, csrf: `${hex}:${csrfSig}` };
  }

  /** The userid of a valid ticket, or undefined. */
  verifyTicket(ticket: string): string | undefined {
    const m = /^([A-Z]+):([^:]+):([0-9A-F]{8})::(.+)$/.exec(ticket);
    if (!m || m[1] !== this.product) return undefined;
    const data = `${m[1]}:${m[2]}:${m[3]}`;
    const expected = Buffer.from(this.sign(data));
    const got = Buffer.from(m[4] as string);
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) return undefined;
    const age = this.now() - Number.parseInt(m[3] as string, 16);
    if (age < -GRACE || age >= TICKET_LIFETIME) return undefined;
    const userid = (m[2] as string).replace(/%3A/g, ':');
    return this.accounts.has(userid) ? userid : undefined;
  }

  verifyCsrf(token: string | undefined, userid: string): boolean {
    if (!token) return false;
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    if (!m) return false;
    const expected = createHmac('sha256', this.csrfKey).update(`${m[1]}:${userid}`).digest('base64').replace(/=+$/, '');
    if (expected !== m[2]) return false;
    const age = this.now() - Number.parseInt(m[1] as string, 16);
    return age >= -GRACE && age < TICKET_LIFETIME;
  }

  /** Username/password (or a still-valid ticket as password, which renews it). */
  login(username: string, password: string): Account | undefined {
    const account = this.accounts.get(username);
    if (!account) return undefined;
    if (password === account.password) return account;
    if (this.verifyTicket(password) === username) return account;
    return undefined;
  }

  checkToken(tokenid: string, secret: string): Token | undefined {
    const t = this.tokens.get(tokenid);
    if (!t || t.secret !== secret) return undefined;
    return t;
  }
}

export function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

function ownerOf(tokenid: string): string {
  return tokenid.slice(0, tokenid.lastIndexOf('!'));
}

/**
 * PVE: `Authorization: PVEAPIToken=USER@REALM!ID=SECRET` (or a space after the prefix; split on the last '='),
 * else the `PVEAuthCookie` cookie (or `PVEAuthCookie=` in the Authorization header), with the CSRF header required
 * for every method but GET. Throws AuthError (401) with PVE's messages.
 */
export function authenticatePve(realm: AuthRealm, method: string, headers: IncomingHttpHeaders): Principal {
  const authz = headers.authorization ?? '';
  const tok = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(authz);
  if (tok) {
    let value = tok[1] as string;
    try {
      value = decodeURIComponent(value);
    } catch {}
    const m = /^(.*)=(.*)$/.exec(value);
    if (!m || !/^\S+@\S+!\S+$/.test(m[1] as string)) throw new AuthError('invalid token value!');
    const t = realm.checkToken(m[1] as string, m[2] as string);
    if (!t) throw new AuthError('invalid token value!');
    return { userid: ownerOf(t.tokenid), tokenid: t.tokenid, role: t.role, via: 'token' };
  }
  let ticket = cookieValue(headers, 'PVEAuthCookie');
  if (!ticket) {
    const m = /(?:^|\s)PVEAuthCookie=([^;\s]*)/.exec(authz);
    if (m) ticket = m[1];
  }
  if (!ticket) throw new AuthError('No ticket');
  const userid = realm.verifyTicket(ticket);
  if (!userid) throw new AuthError('permission denied - invalid PVE ticket');
  if (method !== 'GET') {
    const csrf = headers.csrfpreventiontoken;
    if (!realm.verifyCsrf(Array.isArray(csrf) ? csrf[0] : csrf, userid))
      throw new AuthError('Permission denied - invalid csrf token');
  }
  const role = realm.accounts.get(userid)?.role ?? 'audit';
  return { userid, role, via: 'ticket' };
}

/**
 * PBS: `Authorization: PBSAPIToken=USER@REALM!ID:SECRET` (one byte after the prefix, '=' or ' '; ':' separates the
 * secret), else the `__Host-PBSAuthCookie` / `PBSAuthCookie` cookie, with CSRF required on non-GET.
 */
export function authenticatePbs(realm: AuthRealm, method: string, headers: IncomingHttpHeaders): Principal {
  const authz = headers.authorization ?? '';
  if (authz.startsWith('PBSAPIToken')) {
    const sep = authz.charAt('PBSAPIToken'.length);
    if (sep !== '=' && sep !== ' ') throw new AuthError('authentication failed - invalid API token');
    const rest = authz.slice('PBSAPIToken'.length + 1);
    const colon = rest.indexOf(':');
    if (colon < 0) throw new AuthError('authentication failed - invalid API token');
    let secret = rest.slice(colon + 1);
    try {
      secret = decodeURIComponent(secret);
    } catch {}
    const t = realm.checkToken(rest.slice(0, colon), secret);
    if (!t) throw new AuthError('authentication failed - invalid API token');
    return { userid: ownerOf(t.tokenid), tokenid: t.tokenid, role: t.role, via: 'token' };
  }
  const ticket = cookieValue(headers, '__Host-PBSAuthCookie') ?? cookieValue(headers, 'PBSAuthCookie');
  if (!ticket) throw new AuthError('authentication failed - no authentication credentials provided.');
  const userid = realm.verifyTicket(ticket);
  if (!userid) throw new AuthError('authentication failed - invalid ticket');
  if (method !== 'GET') {
    const csrf = headers.csrfpreventiontoken;
    const value = Array.isArray(csrf) ? csrf[0] : csrf;
    if (!value) throw new AuthError('authentication failed - missing CSRF prevention token');
    if (!realm.verifyCsrf(value, userid)) throw new AuthError('authentication failed - invalid CSRF prevention token');
  }
  const role = realm.accounts.get(userid)?.role ?? 'audit';
  return { userid, role, via: 'ticket' };
}
