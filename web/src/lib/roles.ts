/**
 * What the signed-in user may do, from GET /auth/me's roles. A role without a group is global; a role with a
 * group applies to the clusters of that group. The console offers only what these allow; the API decides.
 */
export type Role = 'audit' | 'manage' | 'admin';

export interface RoleGrant {
  role: Role;
  group?: string | null;
}

const RANK: Record<Role, number> = { audit: 1, manage: 2, admin: 3 };

export interface Capabilities {
  read: boolean;
  /** May run power actions on some clusters. */
  manageAny: boolean;
  /** May use administration (clusters, tokens, purge). Needs a global admin role. */
  admin: boolean;
  /** May run power actions on a cluster belonging to these groups (empty array: a cluster in no group). */
  canManage(clusterGroups: readonly string[] | undefined): boolean;
  highest: Role | null;
}

export function capabilities(roles: readonly RoleGrant[]): Capabilities {
  const at = (min: Role) => roles.filter((r) => RANK[r.role] >= RANK[min]);
  const manage = at('manage');
  const highest = roles.reduce<Role | null>((h, r) => (h === null || RANK[r.role] > RANK[h] ? r.role : h), null);
  return {
    read: roles.length > 0,
    manageAny: manage.length > 0,
    admin: at('admin').some((r) => !r.group),
    canManage(groups) {
      return manage.some((r) => !r.group || (groups ?? []).includes(r.group));
    },
    highest,
  };
}
