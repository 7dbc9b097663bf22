import { z } from '@hono/zod-openapi';
import { KINDS } from '../../query/list.ts';

/** OpenAPI shapes shared by the data routes. Documents are described loosely: their schemas live in shared/store. */

export const DocSchema = z.record(z.string(), z.unknown()).openapi('InventoryDocument', {
  description: 'An inventory document as stored (see shared/store/schemas.ts), with its `_id` as a hex string.',
});

export const DateParam = z.string().openapi({
  description: 'A snapshot date (epoch seconds) or `last` (the newest published snapshot).',
  example: 'last',
});

export const KindParam = z.string().openapi({
  description: `One of ${KINDS.join(', ')}.`,
  example: 'instances',
});

export const ClusterParam = z.string().openapi({ description: 'A cluster name from the registry.', example: 'eu' });
export const NodeParam = z.string().openapi({ description: 'A Proxmox node name.', example: 'pve1' });
export const VmidParam = z.string().openapi({ description: 'A guest id (100-999999999).', example: '105' });
export const UidParam = z.string().openapi({ description: 'A guest uid (stable across migrations).' });

/** HyperProxmox's response envelope, kept on the compatibility paths. */
export const LegacyEnvelope = z
  .object({ result: z.literal('OK'), value: z.unknown() })
  .openapi('LegacyEnvelope', { description: 'HyperProxmox-compatible envelope: `value` holds the data.' });

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** Cast for handlers that answer with a raw Response (streams): the route still documents the content. */
export const raw = (r: Response): never => r as never;

export const commaList = (description: string, example?: string) =>
  z
    .string()
    .optional()
    .openapi({ description: `${description} (comma-separated)`, ...(example ? { example } : {}) });
