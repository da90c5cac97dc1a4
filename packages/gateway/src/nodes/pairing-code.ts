/**
 * Pairing codes of private nodes (`accept_public_jobs:false`): issued by the gateway at a private node's first
 * registration, returned in `node_register_ack.pairing_code` (*ext*) and kept for the node identity's lifetime.
 * A session that presents the code in `session_init.pairing_code` may be served by that node.
 *
 * Codes are 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U): about 40 bits, read aloud or
 * typed without mistakes. What a session presents is normalised (case, spaces and dashes ignored) before it is
 * hashed, so `abcd-efgh` matches `ABCDEFGH`. Selection compares hashes only.
 */
import { randomInt } from 'node:crypto';
import { sha256Hex } from '@lingua/store';

export const PAIRING_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PAIRING_CODE_LENGTH = 8;

/** A fresh random pairing code. */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) {
    code += PAIRING_CODE_ALPHABET[randomInt(PAIRING_CODE_ALPHABET.length)];
  }
  return code;
}

/** A presented code as it is compared: upper case, without spaces and dashes; '' when nothing is left. */
export function normalizePairingCode(presented: string): string {
  return presented.replace(/[\s-]+/g, '').toUpperCase();
}

/** The hash kept on the node record and on the session, and compared by select-reserve. */
export function pairingCodeHash(code: string): string {
  return sha256Hex(`pairing:${normalizePairingCode(code)}`);
}
