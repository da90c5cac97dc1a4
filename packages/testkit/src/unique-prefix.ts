import { randomBytes } from 'node:crypto';

/**
 * A fresh key prefix (for LINGUA_KEY_PREFIX) so that tests sharing one Redis never see each
 * other's keys. Only [a-z0-9_] so it is safe inside keys, hash tags and BullMQ prefixes.
 */
export function uniquePrefix(label?: string): string {
  const tag = (label ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  const rand = randomBytes(5).toString('hex');
  return tag === '' ? `t${rand}` : `t${rand}_${tag}`;
}
