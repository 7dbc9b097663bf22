/** The cluster registry (see registry.ts). */
export * from './registry.ts';
export * from './schema.ts';
