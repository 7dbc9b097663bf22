import { z } from '@hono/zod-openapi';

/** The body of every error response. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'forbidden' }),
      message: z.string().openapi({ example: 'This needs the admin role.' }),
    }),
  })
  .openapi('Error');

export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

export const RoleSchema = z.enum(['audit', 'manage', 'admin']).openapi('Role');

export const GrantSchema = z
  .object({
    role: RoleSchema,
    group: z.string().nullable().openapi({ description: 'Cluster group, or null for every cluster.' }),
  })
  .openapi('Grant');
