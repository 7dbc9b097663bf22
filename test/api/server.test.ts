import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { roleBindingsFromConfig } from '../../api/deps.ts';
import { startApi } from '../../api/server.ts';
import { loadConfig } from '../../shared/config.ts';
import { services } from '../support/services.ts';
import { harness, ldapOptions, password } from './harness.ts';

const h = await harness();
const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-api-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const deps = () => ({
  db: h.db,
  redis: h.redis,
  config: h.config,
  logger: h.logger,
  ldap: ldapOptions(),
  roleBindings: roleBindingsFromConfig(h.config),
  redisPrefix: h.prefix,
});

describe('startApi', () => {
  it('serves HTTP on a free port, with the client address taken from the socket', async () => {
    const config = loadConfig({ STRATA_API_PORT: '0', STRATA_LOG_LEVEL: 'silent' });
    const api = await startApi(config, { ...deps(), auth: { maxFailuresPerAddress: 1 } });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${api.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const login = (pw: string) =>
        fetch(`${api.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'auditor', password: pw }),
        });
      expect((await login('wrong-password')).status).toBe(401);
      expect((await login(password('auditor'))).status).toBe(429);
      const entry = await h.db.collection('audit').findOne({ action: 'auth.login', outcome: 'failure' });
      expect(entry?.address).toBe('127.0.0.1');
    } finally {
      await api.close();
    }
  });

  it('serves HTTPS with the configured certificate: Secure cookie and HSTS', async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    writeFileSync(cert, pems.cert);
    writeFileSync(key, pems.private, { mode: 0o600 });
    const config = loadConfig({
      STRATA_API_PORT: '0',
      STRATA_TLS_CERT: cert,
      STRATA_TLS_KEY: key,
      STRATA_LOG_LEVEL: 'silent',
    });
    const api = await startApi(config, deps());
    const dispatcher = new Agent({ connect: { ca: pems.cert } });
    try {
      expect(api.url).toMatch(/^https:\/\//);
      const res = await fetch(`${api.url}/api/v1/auth/login`, {
        dispatcher,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: password('admin') }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
      await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
    } finally {
      await dispatcher.close();
      await api.close();
    }
  });
});

describe('api/main.ts', () => {
  it('starts the API on the configured services and stops on SIGTERM', async () => {
    const s = services();
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      env: {
        ...process.env,
        MONGODB_URI: s.mongoUri,
        STRATA_DB_NAME: h.db.databaseName,
        REDIS_URL: s.redisUrl,
        LDAP_URL: s.ldap.url,
        STRATA_LDAP_BIND_DN: s.ldap.bindDn,
        STRATA_LDAP_BIND_PASSWORD: s.ldap.bindPassword,
        STRATA_LDAP_USER_BASE: s.ldap.userBase,
        STRATA_ROLE_BINDINGS: s.ldap.roleBindings,
        STRATA_API_PORT: '0',
        STRATA_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no start line: ${out}`)), 30_000);
        child.stdout.on('data', () => {
          const m = /Strata API on (http:\/\/\S+) /.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({
        status: 'ready',
        checks: { mongodb: 'ok', redis: 'ok' },
      });
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'operator', password: password('operator') }),
      });
      expect(login.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  }, 60_000);
});
