import { describe, expect, it } from 'vitest';
import {
  PAIRING_CODE_ALPHABET,
  PAIRING_CODE_LENGTH,
  newPairingCode,
  normalizePairingCode,
  pairingCodeHash,
} from './pairing-code.js';

describe('pairing codes', () => {
  it('are 8 characters of an alphabet without look-alikes, and differ', () => {
    expect(PAIRING_CODE_ALPHABET).not.toMatch(/[01ILOU]/);
    const codes = new Set(Array.from({ length: 200 }, () => newPairingCode()));
    expect(codes.size).toBe(200);
    for (const c of codes) {
      expect(c).toHaveLength(PAIRING_CODE_LENGTH);
      expect([...c].every((ch) => PAIRING_CODE_ALPHABET.includes(ch))).toBe(true);
    }
  });

  it('match whatever their case, spaces and dashes; the hash never contains the code', () => {
    expect(normalizePairingCode(' abcd-efgh ')).toBe('ABCDEFGH');
    expect(pairingCodeHash('abcd efgh')).toBe(pairingCodeHash('ABCDEFGH'));
    expect(pairingCodeHash('ABCDEFGH')).not.toBe(pairingCodeHash('ABCDEFGJ'));
    expect(pairingCodeHash('ABCDEFGH')).toMatch(/^[0-9a-f]{64}$/);
    expect(pairingCodeHash('ABCDEFGH')).not.toContain('ABCDEFGH');
  });
});
