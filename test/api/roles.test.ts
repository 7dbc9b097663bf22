import { EqualityFilter } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { grantsAllow, grantsForGroups, normalizeDn, parseRoleBindings } from '../../api/auth/roles.ts';
import { roleBindingsFromConfig } from '../../api/deps.ts';
import { loadConfig } from '../../shared/config.ts';

describe('role bindings', () => {
  it('split each entry on its last "=" and read an optional cluster group', () => {
    expect(
      parseRoleBindings(' CN=Strata Admins, OU=Groups,DC=example,DC=test=admin ; cn=eu-ops,ou=g,dc=x=manage@eu;'),
    ).toEqual([
      { groupDn: 'cn=strata admins,ou=groups,dc=example,dc=test', role: 'admin', clusterGroup: null },
      { groupDn: 'cn=eu-ops,ou=g,dc=x', role: 'manage', clusterGroup: 'eu' },
    ]);
    expect(parseRoleBindings(undefined)).toEqual([]);
  });

  it.each(['cn=x,dc=y=root', 'cn=x,dc=y', 'admin', 'cn=x=admin@bad group', 'cn=x=admin@a@b'])('refuse %j', (text) => {
    expect(() => parseRoleBindings(text)).toThrow(/Role binding/);
  });

  it('stop the process with a sentence naming the setting when wrong', () => {
    expect(() => roleBindingsFromConfig(loadConfig({ STRATA_ROLE_BINDINGS: 'cn=x,dc=y=superuser' }))).toThrow(
      /^Setting STRATA_ROLE_BINDINGS: Role binding/,
    );
  });

  it('match group DNs case-insensitively and regardless of spaces', () => {
    expect(normalizeDn('CN=Ops , OU=Groups,dc=X')).toBe('cn=ops,ou=groups,dc=x');
    const bindings = parseRoleBindings('cn=ops,ou=groups,dc=x=manage;cn=ops,ou=groups,dc=x=audit@lab');
    expect(grantsForGroups(bindings, ['CN=Ops, OU=Groups, DC=X', 'cn=other,dc=x'])).toEqual([
      { role: 'manage', group: null },
      { role: 'audit', group: 'lab' },
    ]);
  });
});

describe('grants', () => {
  it('order the roles audit < manage < admin and respect the cluster group', () => {
    expect(grantsAllow([{ role: 'manage', group: null }], 'audit', null)).toBe(true);
    expect(grantsAllow([{ role: 'manage', group: null }], 'admin', null)).toBe(false);
    expect(grantsAllow([{ role: 'admin', group: 'eu' }], 'audit', null)).toBe(false);
    expect(grantsAllow([{ role: 'admin', group: 'eu' }], 'admin', ['eu', 'prod'])).toBe(true);
    expect(grantsAllow([{ role: 'admin', group: 'eu' }], 'audit', ['us'])).toBe(false);
    expect(grantsAllow([], 'audit', null)).toBe(false);
  });
});

describe('the LDAP user filter', () => {
  it('escapes every special character of the name', () => {
    expect(new EqualityFilter({ attribute: 'uid', value: 'eve*)(x' }).toString()).toBe('(uid=eve\\2a\\29\\28x)');
    expect(new EqualityFilter({ attribute: 'uid', value: 'a\\b\u0000' }).toString()).toBe('(uid=a\\5cb\\00)');
  });
});
