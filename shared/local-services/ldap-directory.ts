/** The demo directory seeded into a local slapd: one user per role and the groups that map to roles. */
export const LDAP_SUFFIX = 'dc=strata,dc=test';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
export const LDAP_SERVICE_DN = `cn=strata-svc,ou=services,${LDAP_SUFFIX}`;
export const LDAP_PEOPLE = `ou=people,${LDAP_SUFFIX}`;
export const LDAP_GROUPS = `ou=groups,${LDAP_SUFFIX}`;

export interface DemoUser {
  uid: string;
  name: string;
  password: string;
  groups: string[];
}

export const DEMO_USERS: DemoUser[] = [
  { uid: 'admin', name: 'Ada Admin', password: 'admin-demo-pass', groups: ['strata-admins'] },
  { uid: 'operator', name: 'Otto Operator', password: 'operator-demo-pass', groups: ['strata-operators'] },
  { uid: 'auditor', name: 'Audrey Auditor', password: 'auditor-demo-pass', groups: ['strata-auditors'] },
];

export const DEMO_GROUP_ROLES: Record<string, 'admin' | 'manage' | 'audit'> = {
  'strata-admins': 'admin',
  'strata-operators': 'manage',
  'strata-auditors': 'audit',
};

export const groupDn = (cn: string) => `cn=${cn},${LDAP_GROUPS}`;
export const userDn = (uid: string) => `uid=${uid},${LDAP_PEOPLE}`;

/** STRATA_ROLE_BINDINGS for the demo directory. */
export const demoRoleBindings = () =>
  Object.entries(DEMO_GROUP_ROLES)
    .map(([cn, role]) => `${groupDn(cn)}=${role}`)
    .join(';');
