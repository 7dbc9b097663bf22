import { deleteCookie, getCookie } from 'hono/cookie';
import { audit } from '../audit.ts';
import { clientAddress } from '../client-address.ts';
import type { AppContext, Principal } from '../context.ts';
import { unauthenticated, unavailable } from '../errors.ts';
import { DirectoryUnavailableError, type DirectoryUser } from './ldap.ts';
import { isLocalAdmin } from './local-admin.ts';
import { type Grant, grantsForGroups } from './roles.ts';
import { SESSION_COOKIE, type SessionRecord } from './sessions.ts';
import { verifyToken } from './tokens.ts';

const TOKEN_REFUSED = {
  malformed: ['The API token is not in the form strata_<id>_<secret>.', 'invalid_token'],
  unknown: ['The API token is not valid.', 'invalid_token'],
  revoked: ['The API token has been revoked.', 'token_revoked'],
  expired: ['The API token has expired.', 'token_expired'],
} as const;

const SESSION_ENDED = {
  unknown: 'Your session is not valid (logged out or unknown); log in again.',
  idle: 'Your session ended after a period of inactivity; log in again.',
  expired: 'Your session reached its maximum length; log in again.',
} as const;

const sameGrants = (a: Grant[], b: Grant[]) =>
  JSON.stringify(a.map((g) => `${g.role}@${g.group}`).sort()) ===
  JSON.stringify(b.map((g) => `${g.role}@${g.group}`).sort());

/** Finds the caller from an `Authorization: Bearer` API token or, failing that, the session cookie. */
export async function authenticate(c: AppContext): Promise<Principal> {
  const s = c.get('services');
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) {
    const m = /^Bearer +(\S+)$/i.exec(authorization.trim());
    if (!m) throw unauthenticated('The Authorization header must be "Bearer <API token>".', 'invalid_token');
    const check = await verifyToken(s.db, m[1]!, s.now());
    if (!check.ok) throw unauthenticated(...TOKEN_REFUSED[check.reason]);
    const t = check.token;
    return {
      kind: 'token',
      name: t.name,
      actor: `token:${t.id}`,
      source: 'token',
      displayName: t.name,
      grants: [{ role: t.role, group: t.group }],
      tokenId: t.id,
    };
  }
  const id = getCookie(c, SESSION_COOKIE);
  if (!id) throw unauthenticated();
  const found = await s.sessions.get(id);
  if (!found.ok) {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    throw unauthenticated(SESSION_ENDED[found.reason], 'session_expired');
  }
  const record = found.record;
  if (s.now() - record.refreshedAt >= s.policy.roleRefreshMs) {
    await refreshGrants(c, found.key, record);
  }
  record.lastSeenAt = s.now();
  await s.sessions.save(found.key, record);
  return {
    kind: 'session',
    name: record.user,
    actor: `${record.source}:${record.user}`,
    source: record.source,
    displayName: record.displayName,
    grants: record.grants,
    csrf: record.csrf,
    sessionKey: found.key,
  };
}

/**
 * Re-reads a session's roles: from the directory for LDAP users (with the service account), from the local
 * admin list for break-glass admins. A user who is gone or holds no role any more loses the session.
 */
async function refreshGrants(c: AppContext, key: string, record: SessionRecord): Promise<void> {
  const s = c.get('services');
  let grants: Grant[];
  let ended: string | null = null;
  if (record.source === 'local') {
    grants = (await isLocalAdmin(s.db, record.user)) ? [{ role: 'admin', group: null }] : [];
    if (!grants.length) ended = 'This local admin account no longer exists.';
  } else {
    if (!s.directory)
      throw unavailable('LDAP is not configured, so this session cannot be checked.', 'directory_unavailable');
    let user: DirectoryUser | null;
    try {
      user = await s.directory.lookup(record.user);
    } catch (e) {
      if (!(e instanceof DirectoryUnavailableError)) throw e;
      c.get('log').warn({ err: e.message }, 'role refresh: directory unavailable');
      throw unavailable(
        'The LDAP directory is unreachable, so your roles cannot be re-checked; try again shortly.',
        'directory_unavailable',
      );
    }
    grants = user ? grantsForGroups(s.roleBindings, user.groups) : [];
    if (!user) ended = 'Your account is no longer in the directory.';
    else if (!grants.length) ended = 'You no longer belong to a group that has a role in Strata.';
  }
  const event = { actor: `${record.source}:${record.user}`, address: clientAddress(c), requestId: c.get('requestId') };
  if (ended) {
    await s.sessions.revokeKey(key);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    await audit(s.db, {
      ...event,
      action: 'auth.session_revoked',
      target: null,
      outcome: 'success',
      details: { why: ended },
    });
    throw unauthenticated(ended, 'session_revoked');
  }
  if (!sameGrants(grants, record.grants)) {
    await audit(s.db, {
      ...event,
      action: 'auth.roles_changed',
      target: null,
      outcome: 'success',
      details: { before: record.grants, after: grants },
    });
  }
  record.grants = grants;
  record.refreshedAt = s.now();
}
