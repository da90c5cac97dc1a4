/**
 * The principal of an accepted upgrade, kept beside its request so that endpoint handlers (which receive the
 * request) can read it without a change to their signature. A WeakMap: nothing to clean up when the request
 * goes away.
 */
import type { IncomingMessage } from 'node:http';
import type { Principal } from './principal.js';

const principals = new WeakMap<IncomingMessage, Principal>();

export function attachPrincipal(req: IncomingMessage, principal: Principal): void {
  principals.set(req, principal);
}

/**
 * The principal the upgrade was admitted with; undefined only when the router runs without an `authorize`
 * hook. A node handler checks `principalOf(req)?.mayUseNodeId(id)` before registering a node under `id`.
 */
export function principalOf(req: IncomingMessage): Principal | undefined {
  return principals.get(req);
}
