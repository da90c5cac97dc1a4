/**
 * Reading JWT key material from files and environment values. Every error names the variable (or flag) and the
 * file path, never the key or secret content: these messages end up in logs and on terminals.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config-error.js';

/** The asymmetric JWS algorithms the gateway verifies; HMAC is HS256 only. */
export type AsymmetricAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'EdDSA';
export type JwsAlgorithm = 'HS256' | AsymmetricAlgorithm;

export const MIN_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;

const EC_CURVE_ALGORITHMS: Readonly<Record<string, AsymmetricAlgorithm>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
};
const ASYMMETRIC: readonly string[] = ['RS256', 'ES256', 'ES384', 'EdDSA'];

/** A shared HS256 secret: surrounding whitespace (a file's trailing newline) is not part of it. */
export function parseSecret(source: string, value: string): Uint8Array {
  const bytes = new TextEncoder().encode(value.trim());
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw new ConfigError(
      source,
      `the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.byteLength} ` +
        '(generate one with `openssl rand -base64 48`)',
    );
  }
  return bytes;
}

/**
 * Reads a file for `source` (a variable or flag name). The error gives the errno code but not the path: a
 * secret pasted into a `_FILE` variable by mistake would otherwise be printed back.
 */
export function readKeyFile(source: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new ConfigError(source, `cannot read the file it names (${code})`);
  }
}

/** The algorithm a key type signs with: RSA → RS256, EC P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA. */
export function algorithmForKey(source: string, key: KeyObject): AsymmetricAlgorithm {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new ConfigError(source, `RSA keys must be at least ${MIN_RSA_BITS} bits`);
    }
    return 'RS256';
  }
  if (type === 'ec') {
    const alg = EC_CURVE_ALGORITHMS[details.namedCurve ?? ''];
    if (alg) return alg;
    throw new ConfigError(source, `unsupported EC curve ${details.namedCurve ?? '?'} (use P-256 or P-384)`);
  }
  if (type === 'ed25519') return 'EdDSA';
  throw new ConfigError(source, `unsupported key type ${type ?? '?'} (use RSA, EC P-256/P-384 or Ed25519)`);
}

/** A PEM public key (SPKI, PKCS#1 or an X.509 certificate). A private key is refused: the gateway only verifies. */
export function parsePublicKeyPem(
  source: string,
  pem: string,
): { key: KeyObject; algorithm: AsymmetricAlgorithm } {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError(source, 'holds a private key; give the gateway the public key only');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError(source, 'is not a valid PEM public key');
  }
  return { key, algorithm: algorithmForKey(source, key) };
}

/** A PEM private key for signing (the token command), with the algorithm its type implies. */
export function parsePrivateKeyPem(
  source: string,
  pem: string,
): { key: KeyObject; algorithm: AsymmetricAlgorithm } {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError(source, 'is not a valid unencrypted PEM private key');
  }
  return { key, algorithm: algorithmForKey(source, key) };
}

export interface PublicJwks {
  readonly keys: readonly JsonWebKey[];
}

/**
 * A JWKS document of public keys. Symmetric (`oct`) and private keys are refused, so a JWKS file cannot turn
 * on HMAC verification; the allowed algorithms are the keys' own `alg` or the one their type implies.
 */
export function parseJwks(
  source: string,
  text: string,
): { jwks: PublicJwks; algorithms: AsymmetricAlgorithm[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // The parser's message quotes the content, which may be key material: say only that it is not JSON.
    throw new ConfigError(source, 'is neither a PEM public key nor a JSON JWKS document');
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError(source, 'must be a JWKS document with a non-empty "keys" array');
  }
  const algorithms = new Set<AsymmetricAlgorithm>();
  keys.forEach((jwk: unknown, i) => {
    const where = `JWKS key #${i}`;
    if (typeof jwk !== 'object' || jwk === null) throw new ConfigError(source, `${where} is not an object`);
    const k = jwk as JsonWebKey & { alg?: unknown; use?: unknown };
    if (k.kty === 'oct')
      throw new ConfigError(source, `${where} is a symmetric key; a JWKS file holds public keys`);
    if ('d' in k) throw new ConfigError(source, `${where} is a private key; publish the public part only`);
    if (k.use !== undefined && k.use !== 'sig')
      throw new ConfigError(source, `${where} is not a signing key`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: k, format: 'jwk' });
    } catch {
      throw new ConfigError(source, `${where} is not a valid public JWK`);
    }
    const implied = algorithmForKey(`${source} (${where})`, key);
    if (k.alg !== undefined && k.alg !== implied) {
      const named =
        typeof k.alg === 'string' && ASYMMETRIC.includes(k.alg) ? k.alg : 'an unsupported algorithm';
      throw new ConfigError(source, `${where} names ${named} but its key type signs with ${implied}`);
    }
    algorithms.add(implied);
  });
  return { jwks: Object.freeze({ keys: Object.freeze(keys as JsonWebKey[]) }), algorithms: [...algorithms] };
}
