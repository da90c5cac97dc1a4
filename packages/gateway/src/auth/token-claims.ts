/**
 * The gateway's own claims, checked after the signature and the registered claims (exp, nbf, iss, aud) are:
 * `role`, `sub`, optional `tenant`, and for node tokens exactly one of `node_id` / `node_id_prefix`.
 */
import type { JWTPayload } from 'jose';
import type { NodeBinding } from './principal.js';
import { isRole, type Role } from './roles.js';

/** Ids end up in Redis keys and log fields, like the config's ids: a safe alphabet, bounded length. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface GatewayClaims {
  readonly role: Role;
  readonly subject: string;
  readonly tenant: string | undefined;
  readonly nodeBinding: NodeBinding | undefined;
  readonly expiresAtMs: number;
}

/** The claims, or a short description of what is wrong with them (no claim values: they are caller input). */
export function readGatewayClaims(payload: JWTPayload): GatewayClaims | { invalid: string } {
  const { role, sub, tenant, exp } = payload;
  const nodeId = payload['node_id'];
  const nodeIdPrefix = payload['node_id_prefix'];
  if (!isRole(role)) return { invalid: 'role must be node, session or admin' };
  if (typeof sub !== 'string' || sub === '' || sub.length > 256)
    return { invalid: 'sub must be a short string' };
  if (typeof exp !== 'number') return { invalid: 'exp is required' };
  if (tenant !== undefined && !(typeof tenant === 'string' && SAFE_ID.test(tenant))) {
    return { invalid: 'tenant must be a safe id' };
  }
  let nodeBinding: NodeBinding | undefined;
  if (role === 'node') {
    if ((nodeId === undefined) === (nodeIdPrefix === undefined)) {
      return { invalid: 'a node token needs exactly one of node_id, node_id_prefix' };
    }
    if (nodeId !== undefined) {
      if (typeof nodeId !== 'string' || !SAFE_ID.test(nodeId))
        return { invalid: 'node_id must be a safe id' };
      nodeBinding = Object.freeze({ kind: 'exact', nodeId });
    } else {
      // An empty prefix is a fleet credential: any node id, while existing identities still need their proof.
      if (typeof nodeIdPrefix !== 'string' || (nodeIdPrefix !== '' && !SAFE_ID.test(nodeIdPrefix))) {
        return { invalid: 'node_id_prefix must be a safe id' };
      }
      nodeBinding = Object.freeze({ kind: 'prefix', prefix: nodeIdPrefix });
    }
  }
  return { role, subject: sub, tenant: tenant as string | undefined, nodeBinding, expiresAtMs: exp * 1000 };
}
