import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import { Attribute, Change, Client } from 'ldapts';
import type { Db } from 'mongodb';
import { createApp, type StrataApp } from '../../api/app.ts';
import type { LdapOptions } from '../../api/auth/ldap.ts';
import type { Role } from '../../api/auth/roles.ts';
import { createToken } from '../../api/auth/tokens.ts';
import { prepareApiCollections } from '../../api/database.ts';
import type { ApiDeps } from '../../api/deps.ts';
import { roleBindingsFromConfig } from '../../api/deps.ts';
import type { RouteModule } from '../../api/routing.ts';
import { loadConfig } from '../../shared/config.ts';
import { DEMO_USERS, groupDn, LDAP_PEOPLE } from '../../shared/local-services/ldap-directory.ts';
import { createLogger } from '../../shared/logger.ts';
import { onCleanup } from '../support/cleanup.ts';
import { services, testDb } from '../support/services.ts';

export const password = (uid: string) => DEMO_USERS.find((u) => u.uid === uid)!.password;

/** Directory settings of the test slapd, over plain ldap:// unless overridden. */
export function ldapOptions(over: Partial<LdapOptions> = {}): LdapOptions {
  const l = services().ldap;
  return {
    urls: [l.url],
    bindDn: l.bindDn,
    bindPassword: l.bindPassword,
    userBase: l.userBase,
    userAttr: 'uid',
    startTls: false,
    timeoutMs: 3000,
    ...over,
  };
}

/** A MongoDB database and a Redis key prefix of this test file's own, and a way to build apps on them. */
export async function harness() {
  const { db } = await testDb();
  await prepareApiCollections(db);
  const redis = new Redis(services().redisUrl, { maxRetriesPerRequest: 1 });
  const prefix = `t:${randomBytes(4).toString('hex')}:`;
  onCleanup('API test redis keys', async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
  const config = loadConfig({ STRATA_ROLE_BINDINGS: services().ldap.roleBindings, STRATA_LOG_LEVEL: 'silent' });
  const logger = createLogger('silent');
  const clock = { offset: 0 };
  const build = (over: Partial<ApiDeps> & { modules?: RouteModule[] } = {}): StrataApp => {
    const { modules, ...rest } = over;
    return createApp(
      {
        db,
        redis,
        config,
        logger,
        ldap: ldapOptions(),
        roleBindings: roleBindingsFromConfig(config),
        redisPrefix: prefix,
        now: () => Date.now() + clock.offset,
        ...rest,
      },
      modules ? { modules } : {},
    );
  };
  return { db, redis, prefix, config, logger, clock, build };
}

/** A fake socket peer, so app.request() sees a client address. */
export const fromAddress = (address: string) => ({
  incoming: { socket: { remoteAddress: address } } as unknown as IncomingMessage,
});

export const cookieOf = (res: Response): string | null => {
  const set = res.headers.get('set-cookie');
  const m = set ? /strata_session=([^;]*)/.exec(set) : null;
  return m?.[1] ? `strata_session=${m[1]}` : null;
};

export interface Session {
  cookie: string;
  csrf: string;
  body: { user: string; roles: { role: Role; group: string | null }[]; source: string };
}

/** Logs in through the API and returns the cookie and CSRF token. */
export async function loginAs(
  app: StrataApp,
  username: string,
  pw = password(username),
  env?: object,
): Promise<Session> {
  const res = await app.request('/api/v1/auth/login', json('POST', { username, password: pw }), env);
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as Session['body'] & { csrfToken: string };
  return { cookie: cookieOf(res)!, csrf: body.csrfToken, body };
}

export function json(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export async function bearer(db: Db, role: Role, group: string | null = null, expiresInMs = 3_600_000) {
  const { secret, token } = await createToken(db, {
    name: `test-${role}-${group ?? 'all'}`,
    role,
    group,
    expiresAt: new Date(Date.now() + expiresInMs),
    createdBy: 'test',
  });
  return { authorization: `Bearer ${secret}`, id: token.id };
}

/** The directory manager, for tests that add users or change groups. */
export async function asDirectoryRoot<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const l = services().ldap;
  const client = new Client({ url: l.url, timeout: 5000, connectTimeout: 5000 });
  try {
    await client.bind(l.rootDn, l.rootPassword);
    return await work(client);
  } finally {
    await client.unbind();
  }
}

export const userEntryDn = (uid: string) => `uid=${uid.replace(/([,+"\\<>;=])/g, '\\$1')},${LDAP_PEOPLE}`;

/** Adds a user (and puts them in groups); returns the DN. */
export async function addDirectoryUser(uid: string, pw: string, groups: string[] = []): Promise<string> {
  const dn = userEntryDn(uid);
  await asDirectoryRoot(async (client) => {
    await client.add(dn, { objectClass: ['inetOrgPerson'], uid, cn: `Test ${uid}`, sn: 'Test', userPassword: pw });
    for (const g of groups) await setGroupMember(client, g, dn, 'add');
  });
  return dn;
}

export async function setGroupMember(client: Client, group: string, dn: string, operation: 'add' | 'delete') {
  await client.modify(
    groupDn(group),
    new Change({ operation, modification: new Attribute({ type: 'member', values: [dn] }) }),
  );
}

export async function deleteDirectoryEntry(dn: string) {
  await asDirectoryRoot((client) => client.del(dn));
}

/** A loopback port with nothing listening. */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
