/** The roles a gateway token can carry; each WebSocket endpoint admits exactly one of them. */
export type Role = 'node' | 'session' | 'admin';

export const ROLES: readonly Role[] = Object.freeze(['node', 'session', 'admin']);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
