import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.ts';
import { type LdapService, startLdap } from './ldap.ts';
import { type MongoService, startMongo } from './mongo.ts';
import { type RedisService, startRedis } from './redis.ts';

export interface LocalServices {
  mongo: MongoService;
  redis: RedisService;
  ldap: LdapService;
  /** Environment variables that point Strata's processes at these services. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

type ServiceConfig = Pick<
  Config,
  'MONGODB_URI' | 'STRATA_MONGO_SERVER' | 'REDIS_URL' | 'LDAP_URL' | 'STRATA_CACHE_DIR'
>;

/**
 * Each service is taken from the configuration when given, or started locally on free loopback ports.
 * Used by the demo, the tests and CI. Everything started here is stopped by stop(), and its files removed.
 */
export async function startLocalServices(config: ServiceConfig): Promise<LocalServices> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-services-'));
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Redis and slapd start in a few milliseconds; MongoDB may take a second, so they overlap.
    const track = <T extends { stop(): Promise<void> }>(service: T): T => {
      started.push(service);
      return service;
    };
    const [mongo, redis, ldap] = await Promise.all([
      startMongo({
        uri: config.MONGODB_URI,
        mode: config.STRATA_MONGO_SERVER,
        dir,
        cacheDir: config.STRATA_CACHE_DIR,
      }).then(track),
      startRedis({ url: config.REDIS_URL, dir }).then(track),
      startLdap({ url: config.LDAP_URL, dir }).then(track),
    ]);
    const env: Record<string, string> = { MONGODB_URI: mongo.uri, REDIS_URL: redis.url, LDAP_URL: ldap.url };
    if (ldap.bindDn) env.STRATA_LDAP_BIND_DN = ldap.bindDn;
    if (ldap.bindPassword) env.STRATA_LDAP_BIND_PASSWORD = ldap.bindPassword;
    if (ldap.userBase) env.STRATA_LDAP_USER_BASE = ldap.userBase;
    if (ldap.roleBindings) env.STRATA_ROLE_BINDINGS = ldap.roleBindings;
    if (ldap.caFile) env.STRATA_LDAP_CA_FILE = ldap.caFile;
    return { mongo, redis, ldap, env, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
