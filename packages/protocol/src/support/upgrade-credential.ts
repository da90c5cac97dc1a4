/**
 * How a peer presents its gateway credential at the WebSocket upgrade, and how it reads a refusal. A token
 * given as an option travels as `Authorization: Bearer <token>`; an address may carry one in its `access_token`
 * query parameter instead (the only way a browser can send one). The gateway refuses a request that carries
 * both, so an explicit token wins: the address loses its `access_token` and the header is sent.
 */

export interface UpgradeCredential {
  /** The endpoint to dial (without `access_token` when a header token is given). */
  readonly url: string;
  /** Headers for the upgrade request: `authorization`, or none. */
  readonly headers: Record<string, string>;
}

/** A token that fits in a Bearer header: visible ASCII, no spaces. */
const TOKEN = /^[\x21-\x7e]+$/;

export function isUsableToken(token: string): boolean {
  return TOKEN.test(token);
}

/** `endpoint` as a parsed-and-normalised URL string (see `gatewayEndpoint`); `token` checked by the caller. */
export function upgradeCredential(endpoint: string, token: string | undefined): UpgradeCredential {
  if (token === undefined) return { url: endpoint, headers: {} };
  const u = new URL(endpoint);
  u.searchParams.delete('access_token');
  return { url: u.toString(), headers: { authorization: `Bearer ${token}` } };
}

/**
 * Whether an upgrade answered with `status` refused the credential itself (401: missing, invalid or expired
 * token; 403: a valid token of the wrong role). Retrying with the same credential cannot succeed.
 */
export function isCredentialRefusal(status: number | undefined): status is 401 | 403 {
  return status === 401 || status === 403;
}

/**
 * A one-line description of a refusal: the status, and the gateway's reason code (the first line of its
 * plain-text body, e.g. `expired`, `wrong_role`) when there is one.
 */
export function describeRefusal(status: 401 | 403, body: string): { reason?: string; message: string } {
  const reason = /^[a-z0-9_]{1,64}$/.exec(body.split('\n', 1)[0]?.trim() ?? '')?.[0];
  const what = status === 401 ? '401 Unauthorized' : '403 Forbidden';
  return reason === undefined
    ? { message: `the gateway refused the credential: ${what}` }
    : { reason, message: `the gateway refused the credential: ${what} (${reason})` };
}
