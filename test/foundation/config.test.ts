import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, settings } from '../../shared/config.ts';

describe('config', () => {
  it('applies documented defaults', () => {
    const c = loadConfig({});
    expect(c.STRATA_API_PORT).toBe(8080);
    expect(c.STRATA_CRAWL_SCHEDULE).toBe('*/15 * * * *');
    expect(c.STRATA_LDAP_STARTTLS).toBe(false);
    expect(c.MONGODB_URI).toBeUndefined();
  });

  it('parses lists and booleans', () => {
    const c = loadConfig({ LDAP_URL: 'ldap://a:389, ldaps://b:636', STRATA_LDAP_STARTTLS: 'true' });
    expect(c.LDAP_URL).toEqual(['ldap://a:389', 'ldaps://b:636']);
    expect(c.STRATA_LDAP_STARTTLS).toBe(true);
  });

  it.each([
    ['STRATA_API_PORT', 'eighty'],
    ['STRATA_API_PORT', '70000'],
    ['MONGODB_URI', 'http://localhost'],
    ['LDAP_URL', 'ldap://ok,http://bad'],
    ['STRATA_LOG_LEVEL', 'loud'],
    ['STRATA_CRAWL_SCHEDULE', 'every hour'],
    ['STRATA_VAULT_PASSPHRASE', 'short'],
  ])('refuses %s=%s with one sentence naming the setting', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      expect((e as Error).message).toMatch(new RegExp(`^Setting ${name} is invalid .*\\.$`));
      expect((e as Error).message.split('\n')).toHaveLength(1);
    }
  });

  it('requires the TLS certificate and key together', () => {
    expect(() => loadConfig({ STRATA_TLS_CERT: '/x.pem' })).toThrow(/STRATA_TLS_CERT and STRATA_TLS_KEY/);
  });

  it('documents every setting in the README with its default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [name, def] of Object.entries(settings)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, `README row for ${name}`).toBeDefined();
      if ('default' in def && !def.default.startsWith('/')) expect(row).toContain(def.default);
    }
  });
});
