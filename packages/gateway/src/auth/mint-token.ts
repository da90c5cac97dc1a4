/**
 * Mints gateway tokens: the token command, tests, the demo and the benches use it. The algorithm follows the
 * key (a secret → HS256, a private key → by its type), so minted tokens always match a gateway configured with
 * the same secret or the matching public key.
 */
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { ConfigError } from '../config-error.js';
import { algorithmForKey, MIN_SECRET_BYTES, parsePrivateKeyPem, type JwsAlgorithm } from './key-material.js';
import { isRole, type Role } from './roles.js';

export class MintTokenError extends Error {
  override readonly name = 'MintTokenError';
  readonly code = 'INVALID_TOKEN_OPTIONS';
}

export const DEFAULT_TOKEN_TTL_MS = 3_600_000;

export interface MintTokenOptions {
  /** An HS256 secret (at least 32 bytes; a string is trimmed, as the gateway trims its configured secret). */
  secret?: string | Uint8Array;
  /** A private key (KeyObject or PEM text) for RS256 / ES256 / ES384 / EdDSA. */
  privateKey?: KeyObject | string;
  role: Role;
  /** Defaults to the node id (or prefix) for node tokens, else the role. */
  sub?: string;
  /** Node tokens: the one node id this token may register as. */
  nodeId?: string;
  /** Node tokens: the prefix every node id this token registers must start with. */
  nodeIdPrefix?: string;
  tenant?: string;
  /** Lifetime from `nowMs`; default 1 h. */
  ttlMs?: number;
  issuer?: string;
  audience?: string;
  /** The `kid` header, to pick a key out of a JWKS holding several. */
  kid?: string;
  /** Issue time in epoch ms (default now): tests backdate it to mint expired tokens. */
  nowMs?: number;
  /** `nbf` in epoch ms, when the token should only become valid later. */
  notBeforeMs?: number;
}

export async function mintToken(opts: MintTokenOptions): Promise<string> {
  const { key, alg } = signingKey(opts);
  if (!isRole(opts.role)) throw new MintTokenError('role must be node, session or admin');
  if (opts.role === 'node' && (opts.nodeId === undefined) === (opts.nodeIdPrefix === undefined)) {
    throw new MintTokenError('a node token needs exactly one of nodeId, nodeIdPrefix');
  }
  if (opts.role !== 'node' && (opts.nodeId !== undefined || opts.nodeIdPrefix !== undefined)) {
    throw new MintTokenError('only node tokens carry a node id');
  }
  const ttlMs = opts.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
  if (!(ttlMs > 0)) throw new MintTokenError('ttlMs must be positive');
  const nowMs = opts.nowMs ?? Date.now();
  const seconds = (ms: number): number => Math.floor(ms / 1000);

  const claims: Record<string, string> = { role: opts.role };
  if (opts.nodeId !== undefined) claims['node_id'] = opts.nodeId;
  if (opts.nodeIdPrefix !== undefined) claims['node_id_prefix'] = opts.nodeIdPrefix;
  if (opts.tenant !== undefined) claims['tenant'] = opts.tenant;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(opts.kid !== undefined && { kid: opts.kid }) })
    .setSubject(opts.sub ?? opts.nodeId ?? opts.nodeIdPrefix ?? opts.role)
    .setIssuedAt(seconds(nowMs))
    .setExpirationTime(seconds(nowMs + ttlMs));
  if (opts.notBeforeMs !== undefined) jwt.setNotBefore(seconds(opts.notBeforeMs));
  if (opts.issuer !== undefined) jwt.setIssuer(opts.issuer);
  if (opts.audience !== undefined) jwt.setAudience(opts.audience);
  return jwt.sign(key);
}

function signingKey(opts: MintTokenOptions): { key: Uint8Array | KeyObject; alg: JwsAlgorithm } {
  if ((opts.secret === undefined) === (opts.privateKey === undefined)) {
    throw new MintTokenError('give exactly one of secret, privateKey');
  }
  try {
    if (opts.secret !== undefined) {
      const key =
        typeof opts.secret === 'string' ? new TextEncoder().encode(opts.secret.trim()) : opts.secret;
      if (key.byteLength < MIN_SECRET_BYTES) {
        throw new MintTokenError(`the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes`);
      }
      return { key, alg: 'HS256' };
    }
    const pk = opts.privateKey as KeyObject | string;
    if (typeof pk === 'string') {
      const { key, algorithm } = parsePrivateKeyPem('privateKey', pk);
      return { key, alg: algorithm };
    }
    if (pk.type !== 'private') throw new MintTokenError('privateKey must be a private key');
    return { key: pk, alg: algorithmForKey('privateKey', pk) };
  } catch (err) {
    if (err instanceof ConfigError) throw new MintTokenError(err.message);
    throw err;
  }
}
