import { describe, expect, it } from 'vitest';
import {
  bareFingerprint,
  ClientConfigError,
  fingerprintsEqual,
  normalizeFingerprint,
} from '../../shared/proxmox/index.ts';

const COLON = '33:8D:0D:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:D4:6D';

describe('fingerprints', () => {
  it('normalises any case, with or without colons, to uppercase colon hex', () => {
    const bare = COLON.replaceAll(':', '');
    expect(normalizeFingerprint(bare.toLowerCase())).toBe(COLON);
    expect(normalizeFingerprint(` ${COLON.toLowerCase()} `)).toBe(COLON);
    expect(bareFingerprint(COLON)).toBe(bare);
  });

  it('compares without colons, in any case', () => {
    expect(fingerprintsEqual(COLON, COLON.replaceAll(':', '').toLowerCase())).toBe(true);
    expect(fingerprintsEqual(COLON, COLON.replace(/6D$/, '6E'))).toBe(false);
    expect(fingerprintsEqual('', '')).toBe(false);
  });

  it.each(['', 'AB:CD', `${COLON}:00`, COLON.replace('33', 'ZZ'), 'sha1:AB'])(
    'refuses %j with a sentence saying what to give',
    (text) => {
      expect(bareFingerprint(text)).toBeNull();
      expect(() => normalizeFingerprint(text)).toThrowError(ClientConfigError);
      expect(() => normalizeFingerprint(text)).toThrowError(/64 hex digits/);
    },
  );
});
