/**
 * The browser origins allowed to open a socket (`LINGUA_ALLOWED_ORIGINS`). Browsers always send `Origin` on a
 * WebSocket upgrade, so a page on another site is refused; clients that send no `Origin` (node agents, native
 * apps, servers) are not browsers and are let through — the token still decides who they are.
 */
import type { IncomingMessage } from 'node:http';

/** `scheme://host[:port]` in the form browsers send (lower case, no path, no trailing slash); undefined if not one. */
export function normalizeOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.origin === 'null' || url.pathname.length > 1 || url.search !== '' || url.hash !== '')
    return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.origin;
}

export class OriginAllowList {
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.allowed = new Set(origins);
  }

  /** Whether `req` may open a socket: no Origin header, or one that is listed. */
  admits(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const normalized = normalizeOrigin(origin);
    return normalized !== undefined && this.allowed.has(normalized);
  }
}
