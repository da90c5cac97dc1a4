import { StoreError } from '../errors.js';

/**
 * The part of a key Redis Cluster hashes: the first `{...}` with a non-empty body, else the whole key.
 * Same rule as the server, so equal tags ⇒ equal slots.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/**
 * Refuses a key set that would fail with CROSSSLOT on Cluster, on every topology: a standalone test run then
 * catches the bug the Cluster would. Stricter than the slot check (different tags may share a slot), by intent.
 */
export function assertOneHashTag(script: string, keys: readonly string[]): void {
  const first = keys[0];
  if (first === undefined) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `${script}: a script needs at least one key (it routes the call)`,
    );
  }
  const tag = hashTagOf(first);
  for (const key of keys) {
    if (hashTagOf(key) !== tag) {
      throw new StoreError('CROSSSLOT', `${script}: keys span hash tags "${tag}" and "${hashTagOf(key)}"`);
    }
  }
}
