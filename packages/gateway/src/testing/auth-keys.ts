/**
 * Key material for auth tests, generated at test time into a temporary directory (never committed): an HS256
 * secret, RSA and EC P-256 key pairs as PEM files, and a JWKS file holding both public keys.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestKeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly publicPem: string;
  readonly privatePem: string;
  readonly publicFile: string;
  readonly privateFile: string;
}

export interface TestKeys {
  readonly dir: string;
  /** 48 random bytes, base64: what `openssl rand -base64 48` would give. */
  readonly secret: string;
  /** The secret plus a trailing newline, as secret files usually are. */
  readonly secretFile: string;
  readonly rsa: TestKeyPair;
  readonly ec: TestKeyPair;
  /** Both public keys, `kid` "rsa-1" (alg RS256) and "ec-1" (no alg: implied by the curve). */
  readonly jwksFile: string;
  /** Writes `content` to a new file in the directory and returns its path. */
  file(name: string, content: string): string;
  remove(): void;
}

export function createTestKeys(): TestKeys {
  const dir = mkdtempSync(join(tmpdir(), 'lingua-auth-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const pair = (name: string, kp: { publicKey: KeyObject; privateKey: KeyObject }): TestKeyPair => {
    const publicPem = kp.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = kp.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return {
      ...kp,
      publicPem,
      privatePem,
      publicFile: file(`${name}.pub.pem`, publicPem),
      privateFile: file(`${name}.key.pem`, privatePem),
    };
  };
  const secret = randomBytes(48).toString('base64');
  const rsa = pair('rsa', generateKeyPairSync('rsa', { modulusLength: 2048 }));
  const ec = pair('ec', generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1' },
    ],
  };
  return {
    dir,
    secret,
    secretFile: file('secret', `${secret}\n`),
    rsa,
    ec,
    jwksFile: file('jwks.json', JSON.stringify(jwks)),
    file,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
