/**
 * Verifies the JWT an upgrade request carries, before any WebSocket exists. Only the configured key's
 * algorithms are accepted (so never `none`, and an RSA public key can never be used as an HMAC secret),
 * `exp` and `sub` are required, `exp`/`nbf` get the configured clock skew, issuer and audience are enforced
 * when configured. A token's role must equal the endpoint's: admin tokens do not stand in for node or session
 * tokens, so a leaked admin token cannot register a GPU node, and every node socket carries a node-id binding.
 */
import type { IncomingMessage } from 'node:http';
import {
  createLocalJWKSet,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import type { AuthConfig, VerificationKey } from './auth-config.js';
import { findBearerToken } from './bearer-token.js';
import { anonymousPrincipal, tokenPrincipal, type Principal } from './principal.js';
import type { Role } from './roles.js';
import { readGatewayClaims } from './token-claims.js';

/** Why a request was refused; stable, low-cardinality codes fit for logs, metrics and the response body. */
export type AuthFailureReason =
  | 'missing_token'
  | 'malformed_request'
  | 'malformed_token'
  | 'algorithm_not_allowed'
  | 'bad_signature'
  | 'unknown_key'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'invalid_claims'
  | 'wrong_role';

export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: AuthFailureReason };

export interface AuthVerifier {
  verify(req: IncomingMessage, expected: Role): Promise<AuthResult>;
}

export function createAuthVerifier(config: AuthConfig): AuthVerifier {
  if (config.mode === 'off') {
    return {
      verify: (_req, expected) => Promise.resolve({ ok: true, principal: anonymousPrincipal(expected) }),
    };
  }
  const options: JWTVerifyOptions = {
    algorithms: [...config.key.algorithms],
    clockTolerance: config.clockSkewMs / 1000,
    requiredClaims: ['exp', 'sub'],
    ...(config.issuer !== undefined && { issuer: config.issuer }),
    ...(config.audience !== undefined && { audience: config.audience }),
  };
  const verifyToken = tokenVerifier(config.key, options);
  return {
    async verify(req, expected) {
      const lookup = findBearerToken(req);
      if (!lookup.found) return unauthorized(lookup.reason);
      let payload: JWTPayload;
      try {
        payload = await verifyToken(lookup.token);
      } catch (err) {
        return unauthorized(failureReason(err));
      }
      const claims = readGatewayClaims(payload);
      if ('invalid' in claims) return unauthorized('invalid_claims');
      if (claims.role !== expected) return { ok: false, status: 403, reason: 'wrong_role' };
      return { ok: true, principal: tokenPrincipal(claims) };
    },
  };
}

/** Checks signature and registered claims against the configured key; resolves to the payload or throws. */
function tokenVerifier(
  key: VerificationKey,
  options: JWTVerifyOptions,
): (token: string) => Promise<JWTPayload> {
  const { source } = key;
  switch (source.kind) {
    case 'hmac':
      return async (token) => (await jwtVerify(token, source.secret, options)).payload;
    case 'public-key':
      return async (token) => (await jwtVerify(token, source.key, options)).payload;
    case 'jwks': {
      const jwks = createLocalJWKSet(source.jwks as unknown as JSONWebKeySet);
      return async (token) => (await jwtVerify(token, jwks, options)).payload;
    }
  }
}

function unauthorized(reason: AuthFailureReason): AuthResult {
  return { ok: false, status: 401, reason };
}

/** Maps jose's error codes to ours; anything unrecognised is a malformed token. */
function failureReason(err: unknown): AuthFailureReason {
  const { code, claim } = (err ?? {}) as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') return 'not_yet_valid';
      if (claim === 'iss') return 'wrong_issuer';
      if (claim === 'aud') return 'wrong_audience';
      return 'invalid_claims';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm_not_allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad_signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'unknown_key';
    default:
      return 'malformed_token';
  }
}
