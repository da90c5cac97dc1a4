/**
 * Who is on the other end of a socket, as established at the HTTP upgrade. Node principals are bound to node
 * ids (exactly, or by prefix for a fleet that mints ids itself); the node handler asks `mayUseNodeId` before
 * accepting a registration under an id.
 */
import type { Role } from './roles.js';

/** Which node ids a node token may register as. */
export type NodeBinding =
  { readonly kind: 'exact'; readonly nodeId: string } | { readonly kind: 'prefix'; readonly prefix: string };

export interface Principal {
  readonly role: Role;
  /** The token's `sub`; `anonymous` when authentication is off. */
  readonly subject: string;
  /** True only when authentication is off. */
  readonly anonymous: boolean;
  readonly tenant: string | undefined;
  /** For node tokens: the node ids it covers. */
  readonly nodeBinding: NodeBinding | undefined;
  /** The token's `exp` in epoch ms; undefined when authentication is off. */
  readonly expiresAtMs: number | undefined;
  /** Whether this principal may act as node `id` (always false for session and admin tokens). */
  mayUseNodeId(id: string): boolean;
}

export function tokenPrincipal(fields: {
  role: Role;
  subject: string;
  tenant: string | undefined;
  nodeBinding: NodeBinding | undefined;
  expiresAtMs: number;
}): Principal {
  const { nodeBinding } = fields;
  return Object.freeze({
    ...fields,
    anonymous: false,
    mayUseNodeId(id: string): boolean {
      if (fields.role !== 'node' || nodeBinding === undefined) return false;
      return nodeBinding.kind === 'exact' ? id === nodeBinding.nodeId : id.startsWith(nodeBinding.prefix);
    },
  });
}

/** The principal of every socket when authentication is off: the expected role, any node id. */
export function anonymousPrincipal(role: Role): Principal {
  return Object.freeze({
    role,
    subject: 'anonymous',
    anonymous: true,
    tenant: undefined,
    nodeBinding: undefined,
    expiresAtMs: undefined,
    mayUseNodeId: () => true,
  });
}
