/**
 * Where a client puts its token: `Authorization: Bearer <token>`, or the `access_token` query parameter for
 * clients that can only change the URL (browsers' WebSocket API cannot set headers). Using both at once, or
 * repeating the parameter, is refused rather than guessed at.
 */
import type { IncomingMessage } from 'node:http';

/** Compact JWS tokens are short; anything longer is refused before any parsing or crypto. */
export const MAX_TOKEN_CHARS = 8_192;

export type TokenLookup =
  | { readonly found: true; readonly token: string }
  | { readonly found: false; readonly reason: 'missing_token' | 'malformed_request' };

export function findBearerToken(req: IncomingMessage): TokenLookup {
  const header = req.headers.authorization;
  const fromHeader = header === undefined ? undefined : /^Bearer +([^\s]+) *$/i.exec(header)?.[1];
  if (header !== undefined && fromHeader === undefined) return { found: false, reason: 'malformed_request' };

  let fromQuery: string[] = [];
  const url = req.url ?? '/';
  if (url.includes('?')) {
    try {
      fromQuery = new URL(url, 'http://upgrade.invalid').searchParams.getAll('access_token');
    } catch {
      return { found: false, reason: 'malformed_request' };
    }
  }
  if (fromQuery.length > 1 || (fromQuery.length === 1 && fromHeader !== undefined)) {
    return { found: false, reason: 'malformed_request' };
  }
  const token = fromHeader ?? fromQuery[0];
  if (token === undefined || token === '') return { found: false, reason: 'missing_token' };
  if (token.length > MAX_TOKEN_CHARS) return { found: false, reason: 'malformed_request' };
  return { found: true, token };
}
