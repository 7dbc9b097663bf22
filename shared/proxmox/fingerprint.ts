import { ClientConfigError } from './errors.ts';

/**
 * SHA-256 certificate fingerprints, as Proxmox shows them: uppercase hex pairs joined by colons
 * (`AB:CD:...`, 32 pairs). Users paste them in any case, with or without colons or spaces; we compare the
 * bare hex.
 */

const BARE = /^[0-9A-F]{64}$/;

/** The bare uppercase hex of a SHA-256 fingerprint, or null when the text is not one. */
export function bareFingerprint(text: string): string | null {
  const bare = text.replace(/[\s:]/g, '').toUpperCase();
  return BARE.test(bare) ? bare : null;
}

/** Canonical form `AB:CD:...`; throws ClientConfigError when the text is not a SHA-256 fingerprint. */
export function normalizeFingerprint(text: string): string {
  const bare = bareFingerprint(text);
  if (!bare) {
    throw new ClientConfigError(
      `"${text.slice(0, 120)}" is not a SHA-256 certificate fingerprint; give 64 hex digits, with or without colons (as shown by "pvenode cert info" or the node's Certificates panel).`,
    );
  }
  return bare.match(/../g)!.join(':');
}

/** True when both are the same SHA-256 fingerprint, whatever their case and colons. */
export function fingerprintsEqual(a: string, b: string): boolean {
  const x = bareFingerprint(a);
  return x !== null && x === bareFingerprint(b);
}
