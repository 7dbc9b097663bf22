/**
 * Roles after Proxmox Datacenter Manager: audit (read) < manage (read and power actions) < admin
 * (everything, including cluster credentials and purge). Each is granted globally or on a group of clusters.
 */
export const ROLES = ['audit', 'manage', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { audit: 1, manage: 2, admin: 3 };

export const roleAtLeast = (held: Role, needed: Role) => RANK[held] >= RANK[needed];

/** A role held by a caller: on every cluster (group null) or on the clusters of one group. */
export interface Grant {
  role: Role;
  group: string | null;
}

/** One entry of STRATA_ROLE_BINDINGS: members of an LDAP group get a role, globally or on a cluster group. */
export interface RoleBinding {
  groupDn: string;
  role: Role;
  clusterGroup: string | null;
}

export class RoleBindingError extends Error {
  override name = 'RoleBindingError';
}

export const CLUSTER_GROUP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * DNs compare case-insensitively and ignore spaces around separators:
 * `CN=Admins, OU=Groups,DC=x` equals `cn=admins,ou=groups,dc=x`.
 */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*(?<!\\)([,=+])\s*/g, '$1')
    .toLowerCase();
}

/**
 * Parses `groupDN=role[@clusterGroup]` entries separated by `;`. The DN itself contains `=`, so each entry
 * splits on its last `=`.
 */
export function parseRoleBindings(text: string | undefined): RoleBinding[] {
  if (!text?.trim()) return [];
  return text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf('=');
      if (at <= 0) throw new RoleBindingError(`Role binding "${entry}" must look like groupDN=role[@clusterGroup].`);
      const groupDn = entry.slice(0, at).trim();
      const [role, clusterGroup, ...extra] = entry
        .slice(at + 1)
        .trim()
        .split('@');
      if (!ROLES.includes(role as Role) || extra.length) {
        throw new RoleBindingError(`Role binding "${entry}": the role must be one of ${ROLES.join(', ')}.`);
      }
      if (clusterGroup !== undefined && !CLUSTER_GROUP.test(clusterGroup)) {
        throw new RoleBindingError(`Role binding "${entry}": "${clusterGroup}" is not a valid cluster group name.`);
      }
      if (!groupDn.includes('=')) throw new RoleBindingError(`Role binding "${entry}": "${groupDn}" is not a DN.`);
      return { groupDn: normalizeDn(groupDn), role: role as Role, clusterGroup: clusterGroup ?? null };
    });
}

/** The grants a member of these LDAP groups holds, without duplicates. */
export function grantsForGroups(bindings: RoleBinding[], groupDns: string[]): Grant[] {
  const member = new Set(groupDns.map(normalizeDn));
  const out = new Map<string, Grant>();
  for (const b of bindings) {
    if (!member.has(b.groupDn)) continue;
    out.set(`${b.role}@${b.clusterGroup ?? ''}`, { role: b.role, group: b.clusterGroup });
  }
  return [...out.values()];
}

/**
 * Whether grants allow a role on a cluster that belongs to `clusterGroups`; with `clusterGroups` null the
 * request concerns no one cluster and only a global grant counts.
 */
export function grantsAllow(grants: Grant[], needed: Role, clusterGroups: string[] | null): boolean {
  return grants.some(
    (g) => roleAtLeast(g.role, needed) && (g.group === null || (clusterGroups?.includes(g.group) ?? false)),
  );
}

/** Whether grants hold a role anywhere (globally or on some group). */
export const grantsAllowSomewhere = (grants: Grant[], needed: Role) => grants.some((g) => roleAtLeast(g.role, needed));
