import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Strata reads, in one table: the environment variable, what it does, its default and its
 * schema. The README's settings table is checked against this list by a test, so the two cannot drift.
 */
const home = os.homedir();
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (...schemes: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`,
  );

export const settings = {
  MONGODB_URI: {
    doc: 'MongoDB connection string. Unset: a local server is started (mongod on PATH, mongodb-memory-server, or FerretDB on PostgreSQL).',
    schema: url('mongodb', 'mongodb+srv').optional(),
  },
  STRATA_DB_NAME: { doc: 'Database name.', default: 'strata', schema: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/) },
  STRATA_MONGO_SERVER: {
    doc: 'Which local MongoDB-compatible server to start when MONGODB_URI is unset: auto, mongod, memory-server or ferretdb.',
    default: 'auto',
    schema: z.enum(['auto', 'mongod', 'memory-server', 'ferretdb']),
  },
  REDIS_URL: {
    doc: 'Redis connection string. Unset: a local redis-server is started.',
    schema: url('redis', 'rediss').optional(),
  },
  LDAP_URL: {
    doc: 'LDAP server URLs, comma-separated for failover (ldap:// or ldaps://). Unset: a local demo slapd is started.',
    schema: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()))
      .pipe(z.array(url('ldap', 'ldaps')).min(1))
      .optional(),
  },
  STRATA_LDAP_BIND_DN: { doc: 'Service account DN used to find users.', schema: z.string().min(1).optional() },
  STRATA_LDAP_BIND_PASSWORD: { doc: 'Service account password.', schema: z.string().min(1).optional() },
  STRATA_LDAP_USER_BASE: { doc: 'Base DN under which users are searched.', schema: z.string().min(1).optional() },
  STRATA_LDAP_USER_ATTR: {
    doc: 'Attribute holding the login name: uid for OpenLDAP, sAMAccountName for Active Directory.',
    default: 'uid',
    schema: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/),
  },
  STRATA_LDAP_GROUP_BASE: {
    doc: 'Base DN for a group search (member=<user DN>); unset: the memberOf attribute is read.',
    schema: z.string().min(1).optional(),
  },
  STRATA_LDAP_STARTTLS: { doc: 'Upgrade ldap:// connections with StartTLS.', default: 'false', schema: bool },
  STRATA_LDAP_CA_FILE: { doc: 'CA certificate (PEM) trusted for LDAPS and StartTLS.', schema: z.string().optional() },
  STRATA_LDAP_TIMEOUT_MS: { doc: 'Connect and operation timeout for LDAP.', default: '5000', schema: int(100, 120000) },
  STRATA_ROLE_BINDINGS: {
    doc: 'Group-to-role bindings: `groupDN=role[@clusterGroup]` separated by `;` (roles: audit, manage, admin).',
    schema: z.string().optional(),
  },
  STRATA_API_HOST: { doc: 'Address the API listens on.', default: '127.0.0.1', schema: z.string().min(1) },
  STRATA_API_PORT: { doc: 'Port the API listens on (0 picks a free one).', default: '8080', schema: int(0, 65535) },
  STRATA_API_CACHE_DOCS: {
    doc: 'Documents of published snapshots the API keeps in memory (published snapshots never change; 0 turns the cache off).',
    default: '300000',
    schema: int(0, 100_000_000),
  },
  STRATA_API_SNAPSHOT_REFRESH_MS: {
    doc: 'How often the API re-reads the list of published snapshots (a new snapshot or a purge shows within this).',
    default: '2000',
    schema: int(100, 600_000),
  },
  STRATA_TLS_CERT: {
    doc: 'PEM certificate file: serve HTTPS when set with STRATA_TLS_KEY.',
    schema: z.string().optional(),
  },
  STRATA_TLS_KEY: { doc: 'PEM private key file for STRATA_TLS_CERT.', schema: z.string().optional() },
  STRATA_SESSION_IDLE_MINUTES: { doc: 'A session ends after this long unused.', default: '30', schema: int(1, 1440) },
  STRATA_SESSION_MAX_HOURS: { doc: 'A session ends this long after login.', default: '12', schema: int(1, 168) },
  STRATA_ROLE_REFRESH_MINUTES: {
    doc: "How often a session's roles are re-read from LDAP (a user removed from a group loses the role then).",
    default: '5',
    schema: int(1, 1440),
  },
  STRATA_LOGIN_WINDOW_MINUTES: {
    doc: 'Window over which failed logins are counted for throttling.',
    default: '15',
    schema: int(1, 1440),
  },
  STRATA_LOGIN_MAX_FAILURES_USER: {
    doc: 'Failed logins per user name within the window before further attempts get 429.',
    default: '5',
    schema: int(1, 1000),
  },
  STRATA_LOGIN_MAX_FAILURES_ADDRESS: {
    doc: 'Failed logins per source address within the window before further attempts get 429.',
    default: '20',
    schema: int(1, 100000),
  },
  STRATA_TRUSTED_PROXIES: {
    doc: 'Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed for the client address.',
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.union([z.ipv4(), z.ipv6()])))
      .optional(),
  },
  STRATA_VAULT_KEY_FILE: {
    doc: 'Master key file (created on first run, mode 0600). Ignored when STRATA_VAULT_PASSPHRASE is set.',
    default: path.join(home, '.config', 'strata', 'master.key'),
    schema: z.string().min(1),
  },
  STRATA_VAULT_PASSPHRASE: {
    doc: 'Derive the master key from this passphrase with Argon2id instead of a key file.',
    schema: z.string().min(12, 'must be at least 12 characters').optional(),
  },
  STRATA_CRAWL_SCHEDULE: {
    doc: 'Cron expression for crawls (5 or 6 fields).',
    default: '*/15 * * * *',
    schema: z.string().regex(/^\S+(\s+\S+){4,5}$/, 'must be a cron expression of 5 or 6 fields'),
  },
  STRATA_CRAWL_CONCURRENCY: {
    doc: 'Clusters collected at once by one process (a collected cluster keeps its place until it starts writing).',
    default: '4',
    schema: int(1, 64),
  },
  STRATA_WRITE_CONCURRENCY: {
    doc: 'Clusters writing their documents to the database at once, per process, while the next ones are collected.',
    default: '2',
    schema: int(1, 16),
  },
  STRATA_NODE_CONCURRENCY: { doc: 'Concurrent requests per Proxmox node.', default: '4', schema: int(1, 32) },
  STRATA_CLUSTER_TIMEOUT_MS: {
    doc: "Time budget of one cluster's crawl.",
    default: '120000',
    schema: int(1000, 3600000),
  },
  STRATA_RETENTION: {
    doc: 'Retention policy the crawler daemon applies on STRATA_PURGE_SCHEDULE, as `strata purge --keep` takes it (e.g. `48h:all,14d:hourly,365d:daily`). Unset: keep everything.',
    schema: z
      .string()
      .regex(
        /^\s*\d+[smhdwy](\d+[smhdwy])*:(all|hourly|daily|weekly)(\s*,\s*\d+[smhdwy](\d+[smhdwy])*:(all|hourly|daily|weekly))*\s*$/i,
        'must be tiers like 48h:all,14d:hourly,365d:daily',
      )
      .optional(),
  },
  STRATA_PURGE_SCHEDULE: {
    doc: 'Cron expression for applying STRATA_RETENTION (5 or 6 fields).',
    default: '30 3 * * *',
    schema: z.string().regex(/^\S+(\s+\S+){4,5}$/, 'must be a cron expression of 5 or 6 fields'),
  },
  STRATA_PURGE_PAUSE: {
    doc: 'After each delete a purge waits this many times as long as the delete took, so the database keeps serving reads and crawls during a large purge (0: full speed). Applies to `strata purge`, the API and STRATA_RETENTION.',
    default: '1',
    schema: z.coerce.number().min(0).max(10),
  },
  STRATA_LEASE_MS: {
    doc: "Lease time of a cluster's crawl in Redis: a crawler that dies is taken over after this long.",
    default: '30000',
    schema: int(3000, 600000),
  },
  STRATA_AGENT_TIMEOUT_MS: {
    doc: 'Timeout of one guest-agent call (IP addresses of running VMs).',
    default: '2000',
    schema: int(100, 60000),
  },
  STRATA_AGENT_REFRESH_PERCENT: {
    doc: "Share of a cluster's guests whose guest agent is asked for IP addresses per crawl (the others keep the last ones read).",
    default: '10',
    schema: int(0, 100),
  },
  STRATA_DATA_DIR: {
    doc: 'Where local services keep their state.',
    default: path.join(home, '.local', 'share', 'strata'),
    schema: z.string().min(1),
  },
  STRATA_CACHE_DIR: {
    doc: 'Where built tools (FerretDB) and probe outcomes are cached.',
    default: path.join(home, '.cache', 'strata'),
    schema: z.string().min(1),
  },
  STRATA_LOG_LEVEL: {
    doc: 'Log level: fatal, error, warn, info, debug, trace or silent.',
    default: 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  },
} as const satisfies Record<string, { doc: string; default?: string; schema: z.ZodType }>;

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates every setting; a wrong value throws one sentence naming the setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(settings) as [string, { default?: string; schema: z.ZodType }][]) {
    const raw = env[name] === '' ? undefined : (env[name] ?? def.default);
    const parsed = def.schema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? 'is invalid';
      throw new ConfigError(`Setting ${name} is invalid (${JSON.stringify(raw)}): ${why}.`);
    }
    out[name] = parsed.data;
  }
  if (Boolean(out.STRATA_TLS_CERT) !== Boolean(out.STRATA_TLS_KEY)) {
    throw new ConfigError('Settings STRATA_TLS_CERT and STRATA_TLS_KEY must be set together.');
  }
  return out as Config;
}
