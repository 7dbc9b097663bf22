import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { type Config, ConfigError } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import type { LdapOptions } from './auth/ldap.ts';
import { parseRoleBindings, type RoleBinding, RoleBindingError } from './auth/roles.ts';

/** Time limits and counters of authentication; tests shorten or move them instead of sleeping. */
export interface AuthPolicy {
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** How often a session's roles are re-read from the directory. */
  roleRefreshMs: number;
  loginWindowMs: number;
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
}

/** What the API needs from the outside world. Everything else is built from these by createApp(). */
export interface ApiDeps {
  db: Db;
  redis: Redis;
  config: Config;
  logger: Logger;
  /** null: no directory (only local admins and API tokens can authenticate). */
  ldap: LdapOptions | null;
  /** Default: parsed from STRATA_ROLE_BINDINGS. */
  roleBindings?: RoleBinding[];
  /** Prefix of every Redis key the API writes (default `strata:`); tests use one per file. */
  redisPrefix?: string;
  /** Overrides of the policy read from the configuration. */
  auth?: Partial<AuthPolicy>;
  /** The clock of sessions, tokens and throttling (default Date.now). */
  now?: () => number;
}

const MINUTE = 60_000;

export function authPolicyFromConfig(config: Config): AuthPolicy {
  return {
    sessionIdleMs: config.STRATA_SESSION_IDLE_MINUTES * MINUTE,
    sessionMaxMs: config.STRATA_SESSION_MAX_HOURS * 60 * MINUTE,
    roleRefreshMs: config.STRATA_ROLE_REFRESH_MINUTES * MINUTE,
    loginWindowMs: config.STRATA_LOGIN_WINDOW_MINUTES * MINUTE,
    maxFailuresPerUser: config.STRATA_LOGIN_MAX_FAILURES_USER,
    maxFailuresPerAddress: config.STRATA_LOGIN_MAX_FAILURES_ADDRESS,
  };
}

/** The directory settings, or null when LDAP_URL is unset. Incomplete settings stop the process with a sentence. */
export function ldapOptionsFromConfig(config: Config): LdapOptions | null {
  if (!config.LDAP_URL?.length) return null;
  const missing = (['STRATA_LDAP_BIND_DN', 'STRATA_LDAP_BIND_PASSWORD', 'STRATA_LDAP_USER_BASE'] as const).filter(
    (k) => !config[k],
  );
  if (missing.length) throw new ConfigError(`LDAP_URL is set, so ${missing.join(', ')} must be set too.`);
  let ca: string | undefined;
  if (config.STRATA_LDAP_CA_FILE) {
    try {
      ca = readFileSync(config.STRATA_LDAP_CA_FILE, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `Setting STRATA_LDAP_CA_FILE: cannot read ${config.STRATA_LDAP_CA_FILE} (${(e as Error).message}).`,
      );
    }
  }
  if (config.STRATA_LDAP_STARTTLS && config.LDAP_URL.some((u) => u.startsWith('ldaps:'))) {
    throw new ConfigError('STRATA_LDAP_STARTTLS applies to ldap:// URLs; LDAP_URL has an ldaps:// one.');
  }
  return {
    urls: config.LDAP_URL,
    bindDn: config.STRATA_LDAP_BIND_DN!,
    bindPassword: config.STRATA_LDAP_BIND_PASSWORD!,
    userBase: config.STRATA_LDAP_USER_BASE!,
    userAttr: config.STRATA_LDAP_USER_ATTR,
    groupBase: config.STRATA_LDAP_GROUP_BASE,
    startTls: config.STRATA_LDAP_STARTTLS,
    ca,
    timeoutMs: config.STRATA_LDAP_TIMEOUT_MS,
  };
}

export function roleBindingsFromConfig(config: Config): RoleBinding[] {
  try {
    return parseRoleBindings(config.STRATA_ROLE_BINDINGS);
  } catch (e) {
    if (e instanceof RoleBindingError) throw new ConfigError(`Setting STRATA_ROLE_BINDINGS: ${e.message}`);
    throw e;
  }
}

/** Deps from the configuration and already-open connections (what api/main.ts and the demo do). */
export function apiDepsFromConfig(config: Config, io: { db: Db; redis: Redis; logger: Logger }): ApiDeps {
  return { ...io, config, ldap: ldapOptionsFromConfig(config), roleBindings: roleBindingsFromConfig(config) };
}
