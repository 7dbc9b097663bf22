import { createRoute, z } from '@hono/zod-openapi';
import { listLocalAdmins } from '../auth/local-admin.ts';
import { defineRoute } from '../routing.ts';
import { RoleSchema } from '../schemas.ts';

const Binding = z
  .object({
    groupDn: z
      .string()
      .openapi({ description: 'LDAP group DN (normalised: lower case, no spaces around separators).' }),
    role: RoleSchema,
    clusterGroup: z
      .string()
      .nullable()
      .openapi({ description: 'Cluster group the role applies to; null: every cluster.' }),
  })
  .openapi('RoleBinding');

export const adminRoutes = [
  defineRoute({
    privilege: 'admin',
    route: createRoute({
      method: 'get',
      path: '/api/v1/admin/role-bindings',
      tags: ['admin'],
      summary: 'How LDAP groups map to roles (STRATA_ROLE_BINDINGS) and which break-glass admins exist',
      responses: {
        200: {
          description: 'The bindings in force',
          content: {
            'application/json': {
              schema: z.object({ bindings: z.array(Binding), localAdmins: z.array(z.string()) }),
            },
          },
        },
      },
    }),
    handler: async (c) => {
      const s = c.get('services');
      const localAdmins = (await listLocalAdmins(s.db)).map((a) => a.username);
      return c.json({ bindings: s.roleBindings, localAdmins }, 200);
    },
  }),
];
