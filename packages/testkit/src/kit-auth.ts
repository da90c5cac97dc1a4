/**
 * Credentials for the gateways the kit starts. Authentication stays on in tests, as in production: every test
 * process has one random HS256 secret, every gateway the kit starts verifies with it, and every WebSocket URL the
 * kit hands out carries a token for its endpoint (`access_token`, the way the existing clients present one).
 *
 * Tokens are signed here with node:crypto rather than with the gateway's minting code so that the kit needs no
 * dependency on the gateway and `wsUrl()` can stay synchronous; the gateway verifies them with its real verifier.
 * Each node URL gets a token of its own subject, so two test nodes are two different machines to the gateway.
 */
import { createHmac, randomBytes } from 'node:crypto';

const secret = randomBytes(32).toString('base64url');
let serial = 0;

/** The env a gateway needs to verify the kit's tokens. */
export function kitAuthEnv(): Record<string, string> {
  return { LINGUA_AUTH_JWT_SECRET: secret };
}

export type KitRole = 'node' | 'session' | 'admin';

export interface KitTokenOptions {
  /** Default: a new subject per token. */
  sub?: string;
  /** Node tokens: bind exactly this id (default: any id, prefix ''). */
  nodeId?: string;
  nodeIdPrefix?: string;
  tenant?: string;
  /** Lifetime; default 1 h. */
  ttlMs?: number;
}

/** An HS256 token for the kit's secret. */
export function kitToken(role: KitRole, opts: KitTokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    role,
    sub: opts.sub ?? `kit-${role}-${process.pid}-${++serial}`,
    iat: now,
    exp: now + Math.ceil((opts.ttlMs ?? 3_600_000) / 1000),
  };
  if (role === 'node') {
    if (opts.nodeId !== undefined) claims.node_id = opts.nodeId;
    else claims.node_id_prefix = opts.nodeIdPrefix ?? '';
  }
  if (opts.tenant !== undefined) claims.tenant = opts.tenant;
  const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** The role a gateway path needs: `/ws/node` → node, `/ws/session` → session, anything else → admin. */
export function roleForPath(path: string): KitRole {
  if (path.startsWith('/ws/node')) return 'node';
  if (path.startsWith('/ws/session')) return 'session';
  return 'admin';
}

/** `url` with an `access_token` for the role its path needs (an existing `access_token` is kept). */
export function withKitToken(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('access_token'))
    u.searchParams.set('access_token', kitToken(roleForPath(u.pathname)));
  return u.toString();
}

/** Headers for the admin API of a kit gateway. */
export function kitAdminHeaders(): Record<string, string> {
  return { authorization: `Bearer ${kitToken('admin')}` };
}
