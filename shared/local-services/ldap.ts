import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'ldapts';
import { ensureProgram } from './install.ts';
import {
  DEMO_GROUP_ROLES,
  DEMO_USERS,
  demoRoleBindings,
  groupDn,
  LDAP_PEOPLE,
  LDAP_ROOT_DN,
  LDAP_SERVICE_DN,
  LDAP_SUFFIX,
  userDn,
} from './ldap-directory.ts';
import { freePort, run, ServiceError, startChild, waitFor } from './process.ts';

export interface LdapService {
  /** ldap:// URL (StartTLS available) and ldaps:// URL of the same server. */
  url: string;
  ldapsUrl?: string;
  /** PEM of the CA that signed the server certificate (self-signed here). */
  caFile?: string;
  bindDn?: string;
  bindPassword?: string;
  userBase?: string;
  roleBindings?: string;
  /** Directory manager credentials, for tests that change the directory. */
  rootDn?: string;
  rootPassword?: string;
  describe: string;
  stop(): Promise<void>;
}

const SLAPD_MODULES = '/usr/lib/ldap';

/** OpenLDAP's {SSHA} password scheme: base64(SHA-1(password + salt) + salt). */
async function hash(password: string): Promise<string> {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function slapdConf(dir: string, rootPwHash: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath ${SLAPD_MODULES}
moduleload back_mdb
moduleload memberof
moduleload refint
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCertificateFile ${dir}/cert.pem
TLSCertificateKeyFile ${dir}/key.pem
database mdb
maxsize 67108864
suffix "${LDAP_SUFFIX}"
rootdn "${LDAP_ROOT_DN}"
rootpw ${rootPwHash}
directory ${dir}/db
index objectClass eq
index uid,cn,member eq
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by dn.exact="${LDAP_SERVICE_DN}" read by self read by * none
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
overlay refint
refint_attributes member
`;
}

/** Seeds through the running server (not slapadd, which skips the memberOf overlay). */
async function seed(url: string, rootPassword: string, servicePassword: string) {
  const client = new Client({ url, timeout: 5000, connectTimeout: 5000 });
  try {
    await client.bind(LDAP_ROOT_DN, rootPassword);
    await client.add(LDAP_SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'strata', o: 'Strata demo' });
    for (const ou of ['people', 'groups', 'services']) {
      await client.add(`ou=${ou},${LDAP_SUFFIX}`, { objectClass: 'organizationalUnit', ou });
    }
    await client.add(LDAP_SERVICE_DN, {
      objectClass: ['inetOrgPerson'],
      cn: 'strata-svc',
      sn: 'Strata service account',
      userPassword: await hash(servicePassword),
    });
    for (const u of DEMO_USERS) {
      const [given, ...rest] = u.name.split(' ');
      await client.add(userDn(u.uid), {
        objectClass: ['inetOrgPerson'],
        uid: u.uid,
        cn: u.name,
        givenName: given ?? u.uid,
        sn: rest.join(' ') || u.uid,
        mail: `${u.uid}@strata.test`,
        userPassword: await hash(u.password),
      });
    }
    for (const cn of Object.keys(DEMO_GROUP_ROLES)) {
      const members = DEMO_USERS.filter((u) => u.groups.includes(cn)).map((u) => userDn(u.uid));
      await client.add(groupDn(cn), { objectClass: 'groupOfNames', cn, member: members });
    }
  } finally {
    await client.unbind();
  }
}

/** LDAP_URL if set, else a throwaway slapd (mdb, memberOf overlay) seeded with the demo directory. */
export async function startLdap(opts: { url?: string[] | undefined; dir: string }): Promise<LdapService> {
  if (opts.url?.length)
    return { url: opts.url.join(','), describe: `LDAP at ${opts.url.join(', ')}`, stop: async () => {} };
  const slapd = await ensureProgram('slapd', 'slapd', ['/usr/sbin/slapd']);
  const openssl = await ensureProgram('openssl', 'openssl');
  const dir = path.join(opts.dir, 'ldap');
  mkdirSync(path.join(dir, 'db'), { recursive: true });
  await run(openssl, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${dir}/key.pem`,
    '-out',
    `${dir}/cert.pem`,
    '-days',
    '30',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  const rootPassword = randomBytes(18).toString('base64url');
  const bindPassword = randomBytes(18).toString('base64url');
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(conf, slapdConf(dir, await hash(rootPassword)), { mode: 0o600 });
  const [port, sport] = [await freePort(), await freePort()];
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${sport}`;
  const child = startChild(slapd, ['-d', '0', '-f', conf, '-h', `${url}/ ${ldapsUrl}/`]);
  await waitFor('slapd', async () => {
    const c = new Client({ url, connectTimeout: 500 });
    try {
      await c.bind(LDAP_ROOT_DN, rootPassword);
      return true;
    } finally {
      await c.unbind().catch(() => {});
    }
  }).catch((e) => {
    throw new ServiceError(`${e.message}: ${child.output()}`);
  });
  await seed(url, rootPassword, bindPassword);
  const caFile = `${dir}/cert.pem`;
  return {
    url,
    ldapsUrl,
    caFile,
    bindDn: LDAP_SERVICE_DN,
    bindPassword,
    userBase: LDAP_PEOPLE,
    roleBindings: demoRoleBindings(),
    rootDn: LDAP_ROOT_DN,
    rootPassword,
    describe: `slapd (demo directory ${LDAP_SUFFIX}) on ${url} and ${ldapsUrl}`,
    stop: child.stop,
  };
}
