import { z } from 'zod';

/**
 * The cluster registry's input and stored shapes. Input is validated with messages a person can act on;
 * secrets are never part of the stored shape in clear (the vault seals them, see registry.ts).
 */

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$/;
/** PVE: `user@realm!tokenname`; PBS has the same form. */
export const TOKEN_ID_PATTERN = /^[^\s@!:]+@[A-Za-z0-9._-]+![A-Za-z][A-Za-z0-9._-]*$/;
export const USERNAME_PATTERN = /^[^\s@!:]+@[A-Za-z0-9._-]+$/;
const FINGERPRINT = /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;

export const clusterName = z
  .string()
  .regex(NAME_PATTERN, 'a cluster name is 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit');

export const host = z
  .string()
  .trim()
  .min(1, 'a host is required')
  .max(253)
  .refine((h) => HOSTNAME.test(h) || IPV6.test(h), {
    message: 'a host is a DNS name or an IP address, without scheme, port or path (e.g. pve1.example.com)',
  })
  .transform((h) => h.replace(/^\[|\]$/g, ''));

/** Canonical fingerprint form: uppercase hex pairs joined by colons. */
export const fingerprint = z
  .string()
  .trim()
  .refine((f) => FINGERPRINT.test(f.replace(/\s/g, '')), {
    message: 'a fingerprint is a SHA-256 certificate fingerprint: 64 hex digits, with or without colons',
  })
  .transform((f) => f.replace(/[\s:]/g, '').toUpperCase().match(/../g)!.join(':'));

const pem = z
  .string()
  .refine((p) => p.includes('-----BEGIN CERTIFICATE-----'), { message: 'a CA certificate must be in PEM form' });

export const kind = z.enum(['pve', 'pbs'], { message: 'kind is pve or pbs' });

/** What `cluster add` (and the API) accept. Exactly one of token or password credentials. */
export const clusterInput = z
  .object({
    name: clusterName,
    kind: kind.default('pve'),
    host,
    port: z.coerce
      .number({ message: 'port is a number' })
      .int('port is a whole number')
      .min(1, 'port is between 1 and 65535')
      .max(65535, 'port is between 1 and 65535')
      .optional(),
    fallbackHosts: z.array(host).max(16).default([]),
    tokenId: z.string().regex(TOKEN_ID_PATTERN, 'a token id looks like user@realm!tokenname').optional(),
    secret: z.string().min(1, 'the token secret is empty').max(512).optional(),
    username: z.string().regex(USERNAME_PATTERN, 'a user name looks like user@realm (e.g. root@pam)').optional(),
    password: z.string().min(1, 'the password is empty').max(512).optional(),
    fingerprint: fingerprint.optional(),
    caPem: pem.optional(),
    groups: z.array(clusterName).max(64).default([]),
    excludeNodes: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, 'a node name is a host name without domain'))
      .max(256)
      .default([]),
    enabled: z.boolean().default(true),
    tagNotes: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    const token = v.tokenId !== undefined;
    const user = v.username !== undefined;
    if (token === user) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokenId'],
        message: 'give either an API token (token id and secret, recommended) or a user name and password',
      });
    }
    if (token && !v.secret) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'the token secret is missing' });
    if (user && !v.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'the password is missing' });
    if (v.fingerprint && v.caPem) {
      ctx.addIssue({
        code: 'custom',
        path: ['fingerprint'],
        message: 'pin a fingerprint or a CA certificate, not both',
      });
    }
  });
export type ClusterInput = z.input<typeof clusterInput>;
export type ValidClusterInput = z.output<typeof clusterInput>;

/** Fields that may be changed after creation (credentials through their own call). */
export const clusterPatch = z
  .object({
    host,
    port: z.coerce.number().int().min(1).max(65535),
    fallbackHosts: z.array(host).max(16),
    fingerprint: fingerprint.nullable(),
    caPem: pem.nullable(),
    groups: z.array(clusterName).max(64),
    excludeNodes: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/)).max(256),
    enabled: z.boolean(),
    tagNotes: z.boolean(),
  })
  .partial()
  .strict();
export type ClusterPatch = z.input<typeof clusterPatch>;

/** A sealed value as the vault stores it (opaque here). */
export type Sealed = unknown;

export type StoredCredentials =
  | { type: 'token'; tokenId: string; secret: Sealed }
  | { type: 'password'; username: string; password: Sealed };

export interface RegistryEntry {
  _id: string;
  name: string;
  kind: 'pve' | 'pbs';
  host: string;
  port: number;
  fallbackHosts: string[];
  credentials: StoredCredentials;
  fingerprint?: string;
  caPem?: string;
  groups: string[];
  excludeNodes: string[];
  enabled: boolean;
  tagNotes: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What may be shown: no secret, only whether one is set. */
export interface ClusterView extends Omit<RegistryEntry, '_id' | 'credentials'> {
  credentials:
    | { type: 'token'; tokenId: string; secretSet: boolean }
    | { type: 'password'; username: string; passwordSet: boolean };
}

/** One line naming the field and what is wrong, from a zod error. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const at = i.path.length ? `${i.path.join('.')}: ` : '';
      return `${at}${i.message}`;
    })
    .join('; ');
}
