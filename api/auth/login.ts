import { audit } from '../audit.ts';
import { clientAddress } from '../client-address.ts';
import type { AppContext } from '../context.ts';
import { ApiError, badRequest, forbidden, unauthenticated, unavailable } from '../errors.ts';
import { DirectoryUnavailableError, InvalidCredentialsError } from './ldap.ts';
import { verifyLocalAdmin } from './local-admin.ts';
import { type Grant, grantsForGroups } from './roles.ts';
import type { SessionRecord } from './sessions.ts';

interface Identity {
  user: string;
  source: 'ldap' | 'local';
  displayName: string | null;
  grants: Grant[];
}

/**
 * Logs a user in and opens a session. Names in local_admins are checked against their Argon2id hash and
 * never go to LDAP (so a break-glass admin works while the directory is down); every other name goes to
 * LDAP. Throttled per name and per address; every attempt is audited.
 */
export async function login(
  c: AppContext,
  username: string,
  password: string,
): Promise<{ id: string; record: SessionRecord }> {
  const s = c.get('services');
  const address = clientAddress(c);
  const base = { target: null, address, requestId: c.get('requestId') };
  // Refused before anything else: some directories take a DN with an empty password as an anonymous bind.
  if (password.length === 0) {
    await audit(s.db, {
      ...base,
      actor: `login:${username}`,
      action: 'auth.login',
      outcome: 'failure',
      details: { why: 'empty password' },
    });
    throw badRequest('The password must not be empty.', 'empty_password');
  }
  await s.throttle.check(username, address).catch(async (e: unknown) => {
    if (e instanceof ApiError && e.status === 429) {
      await audit(s.db, {
        ...base,
        actor: `login:${username}`,
        action: 'auth.login',
        outcome: 'denied',
        details: { why: 'throttled' },
      });
    }
    throw e;
  });

  let identity: Identity | null = null;
  let why = 'invalid credentials';
  const local = await verifyLocalAdmin(s.db, username, password);
  if (local === true) {
    identity = {
      user: username,
      source: 'local',
      displayName: `${username} (local admin)`,
      grants: [{ role: 'admin', group: null }],
    };
  } else if (local === null && s.directory) {
    try {
      const user = await s.directory.authenticate(username, password);
      identity = {
        user: user.username,
        source: 'ldap',
        displayName: user.displayName,
        grants: grantsForGroups(s.roleBindings, user.groups),
      };
    } catch (e) {
      if (e instanceof DirectoryUnavailableError) {
        c.get('log').warn({ err: e.message }, 'login: directory unavailable');
        await audit(s.db, {
          ...base,
          actor: `ldap:${username}`,
          action: 'auth.login',
          outcome: 'error',
          details: { why: 'directory unavailable' },
        });
        throw unavailable(
          'The LDAP directory is unreachable, so LDAP users cannot log in now; try again shortly.',
          'directory_unavailable',
        );
      }
      if (!(e instanceof InvalidCredentialsError)) throw e;
      why = e.reason.replace('_', ' ');
    }
  } else if (local === null) {
    why = 'no directory configured';
  }

  const actor = `${local === null ? 'ldap' : 'local'}:${identity?.user ?? username}`;
  if (!identity) {
    await s.throttle.recordFailure(username, address);
    await audit(s.db, { ...base, actor, action: 'auth.login', outcome: 'failure', details: { why } });
    throw unauthenticated('Invalid user name or password.', 'invalid_credentials');
  }
  await s.throttle.recordSuccess(username, address);
  if (!identity.grants.length) {
    await audit(s.db, { ...base, actor, action: 'auth.login', outcome: 'denied', details: { why: 'no role' } });
    throw forbidden('You have no role in Strata: ask an administrator to add you to a group that has one.', 'no_role');
  }
  const session = await s.sessions.create({ ...identity, address });
  await audit(s.db, { ...base, actor, action: 'auth.login', outcome: 'success', details: { grants: identity.grants } });
  return session;
}
