/**
 * Every place a sealed value may live. `Vault.seal` refuses any other place, so that rotation, which re-seals
 * exactly what is listed here, can never miss a secret. Records are keyed by `_id`.
 */
export interface SealedField {
  collection: string;
  /** Dotted path of the field inside the record, e.g. `credentials.secret`. */
  field: string;
}

export const SEALED_FIELDS: readonly SealedField[] = [
  // The cluster registry (shared/registry): `_id` is the cluster name.
  { collection: 'clusters_registry', field: 'credentials.secret' },
  { collection: 'clusters_registry', field: 'credentials.password' },
];

export function isRegisteredField(fields: readonly SealedField[], collection: string, field: string): boolean {
  return fields.some((f) => f.collection === collection && f.field === field);
}

/** The value at a dotted path of a plain object, or undefined. */
export function valueAtPath(doc: unknown, path: string): unknown {
  let at: unknown = doc;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
