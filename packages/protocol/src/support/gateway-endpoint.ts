/**
 * Where a peer connects: the gateway address a user gives — ws(s)://, or the http(s):// address the gateway's
 * HTTP side is known by — with the socket's path (`/ws/node`, `/ws/session`) when the address names none.
 * Parsing the string stays with the caller, and so does the error for an unusable address.
 */
export function gatewayEndpoint(address: URL, socketPath: string): string | undefined {
  const u = new URL(address);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return undefined;
  if (u.pathname === '/' || u.pathname === '') u.pathname = socketPath;
  return u.toString();
}
