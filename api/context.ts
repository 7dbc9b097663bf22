import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { Logger } from '../shared/logger.ts';
import type { LdapDirectory } from './auth/ldap.ts';
import type { Grant, RoleBinding } from './auth/roles.ts';
import type { SessionStore } from './auth/sessions.ts';
import type { LoginThrottle } from './auth/throttle.ts';
import type { ApiDeps, AuthPolicy } from './deps.ts';
import { unauthenticated } from './errors.ts';

/** Who is calling, once authenticated by a session cookie or an API token. */
export interface Principal {
  kind: 'session' | 'token';
  /** The user name, or the token's name. */
  name: string;
  /** How the audit log names this caller: `ldap:<user>`, `local:<user>` or `token:<id>`. */
  actor: string;
  source: 'ldap' | 'local' | 'token';
  displayName: string | null;
  grants: Grant[];
  /** Sessions only: the token a cookie-authenticated write must echo in X-CSRF-Token. */
  csrf?: string;
  /** Tokens only. */
  tokenId?: string;
  /** Sessions only: the Redis key, for logout. */
  sessionKey?: string;
}

/** Built once per app from ApiDeps and shared by every request. */
export interface AppServices {
  deps: ApiDeps;
  db: Db;
  redis: Redis;
  logger: Logger;
  now: () => number;
  policy: AuthPolicy;
  roleBindings: RoleBinding[];
  directory: LdapDirectory | null;
  sessions: SessionStore;
  throttle: LoginThrottle;
  trustedProxies: Set<string>;
}

export type AppEnv = {
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    services: AppServices;
    requestId: string;
    log: Logger;
    principal: Principal | undefined;
  };
};

export type AppContext = Context<AppEnv>;

/** The authenticated caller of a route whose privilege is not `public`. */
export function principalOf(c: Context<AppEnv>): Principal {
  const p = c.get('principal');
  if (!p) throw unauthenticated();
  return p;
}
