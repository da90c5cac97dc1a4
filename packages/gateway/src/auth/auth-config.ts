/**
 * Authentication settings: the `LINGUA_AUTH*` environment variables, parsed once into a frozen typed object.
 * Authentication is on unless `LINGUA_AUTH=off` says otherwise, and "on" without a key is a configuration error
 * rather than a silently open gateway. Key material lives in a `VerificationKey`, which never serializes or
 * prints its content, so logging the config cannot leak a secret.
 */
import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigError } from '../config-error.js';
import {
  parseJwks,
  parsePublicKeyPem,
  parseSecret,
  readKeyFile,
  type JwsAlgorithm,
  type PublicJwks,
} from './key-material.js';

type Env = Readonly<Record<string, string | undefined>>;

export type KeySource =
  | { readonly kind: 'hmac'; readonly secret: Uint8Array }
  | { readonly kind: 'public-key'; readonly key: KeyObject }
  | { readonly kind: 'jwks'; readonly jwks: PublicJwks };

/** What tokens are checked against, and the only algorithms accepted for it (never `none`, never mixed HS/RS). */
export class VerificationKey {
  constructor(
    readonly source: KeySource,
    readonly algorithms: readonly JwsAlgorithm[],
  ) {
    Object.freeze(this);
  }

  /** A description without key material, for logs. */
  describe(): string {
    return `${this.source.kind} (${this.algorithms.join(', ')})`;
  }

  toJSON(): { kind: KeySource['kind']; algorithms: readonly JwsAlgorithm[] } {
    return { kind: this.source.kind, algorithms: this.algorithms };
  }

  [inspect.custom](): string {
    return `VerificationKey<${this.describe()}>`;
  }
}

export type AuthConfig =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'on';
      readonly key: VerificationKey;
      /** Required `iss` claim, when set. */
      readonly issuer: string | undefined;
      /** Required `aud` claim (one of the token's audiences), when set. */
      readonly audience: string | undefined;
      /** Tolerance applied to `exp` and `nbf`. */
      readonly clockSkewMs: number;
    };

export const DEFAULT_CLOCK_SKEW_MS = 30_000;
const MAX_CLOCK_SKEW_MS = 600_000;

const HOW_TO_CONFIGURE =
  'authentication is on but no verification key is configured: set LINGUA_AUTH_JWT_SECRET or ' +
  'LINGUA_AUTH_JWT_SECRET_FILE (an HS256 secret of at least 32 bytes), or LINGUA_AUTH_JWT_PUBLIC_KEY_FILE ' +
  '(a PEM public key or a JWKS file), or set LINGUA_AUTH=off explicitly to admit unauthenticated sockets';

/** Parses and validates the auth variables; throws ConfigError naming the first bad variable. */
export function loadAuthConfig(env: Env = process.env): AuthConfig {
  const raw = envReader(env);
  const mode = raw('LINGUA_AUTH')?.toLowerCase() ?? 'on';
  if (mode === 'off') return Object.freeze({ mode: 'off' });
  if (mode !== 'on') throw new ConfigError('LINGUA_AUTH', `must be on or off, got "${mode}"`);

  const key = loadVerificationKey(raw);
  if (key === undefined) throw new ConfigError('LINGUA_AUTH', HOW_TO_CONFIGURE);
  return Object.freeze({
    mode: 'on',
    key,
    issuer: raw('LINGUA_AUTH_JWT_ISSUER'),
    audience: raw('LINGUA_AUTH_JWT_AUDIENCE'),
    clockSkewMs: readSkew(raw('LINGUA_AUTH_CLOCK_SKEW_MS')),
  });
}

/**
 * The HS256 secret from `LINGUA_AUTH_JWT_SECRET` or the file named by `LINGUA_AUTH_JWT_SECRET_FILE`, or
 * undefined when neither is set. Shared with the token command so that both sides read the secret alike.
 */
export function loadHmacSecret(
  env: Env,
  resolvePath: (p: string) => string = (p) => p,
): Uint8Array | undefined {
  return readSecret(envReader(env), resolvePath);
}

/** A variable's trimmed value, or undefined when unset or blank. */
function envReader(env: Env): (name: string) => string | undefined {
  return (name) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
}

function readSecret(
  raw: (name: string) => string | undefined,
  resolvePath: (p: string) => string = (p) => p,
): Uint8Array | undefined {
  const inline = raw('LINGUA_AUTH_JWT_SECRET');
  const file = raw('LINGUA_AUTH_JWT_SECRET_FILE');
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError(
      'LINGUA_AUTH_JWT_SECRET_FILE',
      'set either LINGUA_AUTH_JWT_SECRET or this, not both',
    );
  }
  if (inline !== undefined) return parseSecret('LINGUA_AUTH_JWT_SECRET', inline);
  if (file !== undefined) {
    const path = resolvePath(file);
    return parseSecret('LINGUA_AUTH_JWT_SECRET_FILE', readKeyFile('LINGUA_AUTH_JWT_SECRET_FILE', path));
  }
  return undefined;
}

function loadVerificationKey(raw: (name: string) => string | undefined): VerificationKey | undefined {
  const publicKeyFile = raw('LINGUA_AUTH_JWT_PUBLIC_KEY_FILE');
  const secret = readSecret(raw);
  if (secret !== undefined && publicKeyFile !== undefined) {
    throw new ConfigError(
      'LINGUA_AUTH_JWT_PUBLIC_KEY_FILE',
      'set either a public key or an HS256 secret (LINGUA_AUTH_JWT_SECRET[_FILE]), not both',
    );
  }
  if (secret !== undefined) return new VerificationKey({ kind: 'hmac', secret }, ['HS256']);
  if (publicKeyFile === undefined) return undefined;

  const name = 'LINGUA_AUTH_JWT_PUBLIC_KEY_FILE';
  const text = readKeyFile(name, publicKeyFile);
  if (text.includes('-----BEGIN ')) {
    const { key, algorithm } = parsePublicKeyPem(name, text);
    return new VerificationKey({ kind: 'public-key', key }, [algorithm]);
  }
  const { jwks, algorithms } = parseJwks(name, text);
  return new VerificationKey({ kind: 'jwks', jwks }, algorithms);
}

function readSkew(v: string | undefined): number {
  const name = 'LINGUA_AUTH_CLOCK_SKEW_MS';
  if (v === undefined) return DEFAULT_CLOCK_SKEW_MS;
  if (!/^\d+$/.test(v)) throw new ConfigError(name, `must be an integer, got "${v}"`);
  const n = Number(v);
  if (n > MAX_CLOCK_SKEW_MS)
    throw new ConfigError(name, `must be between 0 and ${MAX_CLOCK_SKEW_MS}, got ${v}`);
  return n;
}
