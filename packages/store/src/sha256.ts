import { createHash } from 'node:crypto';

/**
 * Hex SHA-256 of a UTF-8 string: how secrets (node and session tokens) are stored in Redis — only their hash —
 * and how pool ids are derived from a capability signature.
 */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
