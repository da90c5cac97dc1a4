import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config-error.js';
import { createTestKeys } from '../testing/auth-keys.js';
import { loadAuthConfig, type AuthConfig } from './auth-config.js';

const keys = createTestKeys();
afterAll(() => keys.remove());

/** The ConfigError `fn` throws (failing the test when it does not throw one). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function on(config: AuthConfig): Extract<AuthConfig, { mode: 'on' }> {
  if (config.mode !== 'on') throw new Error('expected auth on');
  return config;
}

describe('loadAuthConfig', () => {
  it('is on by default, and without a key says how to configure one or to turn auth off explicitly', () => {
    const err = configError(() => loadAuthConfig({}));
    expect(err.variable).toBe('LINGUA_AUTH');
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toContain('LINGUA_AUTH_JWT_SECRET');
    expect(err.message).toContain('LINGUA_AUTH_JWT_PUBLIC_KEY_FILE');
    expect(err.message).toContain('LINGUA_AUTH=off');
    expect(configError(() => loadAuthConfig({ LINGUA_AUTH: 'on' })).variable).toBe('LINGUA_AUTH');
  });

  it('LINGUA_AUTH=off needs no key and ignores the others; other values are refused', () => {
    const config = loadAuthConfig({ LINGUA_AUTH: 'OFF', LINGUA_AUTH_CLOCK_SKEW_MS: 'x' });
    expect(config).toEqual({ mode: 'off' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(configError(() => loadAuthConfig({ LINGUA_AUTH: 'false' })).message).toBe(
      'LINGUA_AUTH: must be on or off, got "false"',
    );
  });

  it('an inline secret gives HS256 only, with a 30 s default skew and no issuer or audience', () => {
    const config = on(loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: keys.secret }));
    expect(config.key.source.kind).toBe('hmac');
    expect(config.key.algorithms).toEqual(['HS256']);
    expect(config.clockSkewMs).toBe(30_000);
    expect(config.issuer).toBeUndefined();
    expect(config.audience).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the secret file without its trailing newline, the same bytes as the inline secret', () => {
    const fromFile = on(loadAuthConfig({ LINGUA_AUTH_JWT_SECRET_FILE: keys.secretFile })).key.source;
    const inline = on(loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: keys.secret })).key.source;
    expect(fromFile.kind === 'hmac' && Buffer.from(fromFile.secret).toString()).toBe(keys.secret);
    expect(inline.kind === 'hmac' && Buffer.from(inline.secret).toString()).toBe(keys.secret);
  });

  it('refuses a secret under 32 bytes without echoing it', () => {
    const short = 'hunter2-is-not-long-enough';
    const err = configError(() => loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: short }));
    expect(err.variable).toBe('LINGUA_AUTH_JWT_SECRET');
    expect(err.message).toContain('at least 32 bytes, got 26');
    expect(err.message).not.toContain(short);
    const fileErr = configError(() =>
      loadAuthConfig({ LINGUA_AUTH_JWT_SECRET_FILE: keys.file('short', short) }),
    );
    expect(fileErr.variable).toBe('LINGUA_AUTH_JWT_SECRET_FILE');
    expect(fileErr.message).not.toContain(short);
  });

  it('a secret pasted into the _FILE variable by mistake is not echoed by the unreadable-file error', () => {
    const err = configError(() => loadAuthConfig({ LINGUA_AUTH_JWT_SECRET_FILE: keys.secret }));
    expect(err.variable).toBe('LINGUA_AUTH_JWT_SECRET_FILE');
    expect(err.message).toContain('ENOENT');
    expect(err.message).not.toContain(keys.secret);
  });

  it('refuses two key sources at once', () => {
    expect(
      configError(() =>
        loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: keys.secret, LINGUA_AUTH_JWT_SECRET_FILE: keys.secretFile }),
      ).variable,
    ).toBe('LINGUA_AUTH_JWT_SECRET_FILE');
    expect(
      configError(() =>
        loadAuthConfig({
          LINGUA_AUTH_JWT_SECRET: keys.secret,
          LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.rsa.publicFile,
        }),
      ).variable,
    ).toBe('LINGUA_AUTH_JWT_PUBLIC_KEY_FILE');
  });

  it('picks the algorithm from a PEM public key: RSA → RS256, EC P-256 → ES256', () => {
    const rsa = on(loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.rsa.publicFile }));
    expect(rsa.key.source.kind).toBe('public-key');
    expect(rsa.key.algorithms).toEqual(['RS256']);
    const ec = on(loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.ec.publicFile }));
    expect(ec.key.algorithms).toEqual(['ES256']);
  });

  it('refuses a private key, a short RSA key and PEM garbage without echoing their content', () => {
    const priv = configError(() => loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.rsa.privateFile }));
    expect(priv.message).toContain('private key');
    expect(priv.message).not.toContain(keys.rsa.privatePem.split('\n')[1]);

    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const weakErr = configError(() =>
      loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.file('weak.pem', weak.toString()) }),
    );
    expect(weakErr.message).toContain('at least 2048 bits');

    const garbage = `-----BEGIN PUBLIC KEY-----\n${keys.secret}\n-----END PUBLIC KEY-----\n`;
    const garbageErr = configError(() =>
      loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.file('garbage.pem', garbage) }),
    );
    expect(garbageErr.message).toBe('LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: is not a valid PEM public key');
  });

  it('loads a JWKS file with the algorithms of its keys', () => {
    const config = on(loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.jwksFile }));
    expect(config.key.source.kind).toBe('jwks');
    expect([...config.key.algorithms].sort()).toEqual(['ES256', 'RS256']);
  });

  it('refuses JWKS files with symmetric or private keys, or that are not JSON, without echoing them', () => {
    const k = Buffer.from(keys.secret).toString('base64url');
    const oct = configError(() =>
      loadAuthConfig({
        LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.file('oct.json', JSON.stringify({ keys: [{ kty: 'oct', k }] })),
      }),
    );
    expect(oct.message).toContain('symmetric');
    expect(oct.message).not.toContain(k);

    const d = keys.ec.privateKey.export({ format: 'jwk' });
    const privErr = configError(() =>
      loadAuthConfig({
        LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.file('priv.json', JSON.stringify({ keys: [d] })),
      }),
    );
    expect(privErr.message).toContain('private key');
    expect(privErr.message).not.toContain(String(d.d));

    const notJson = configError(() =>
      loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.file('notjson', `${keys.secret}\n`) }),
    );
    expect(notJson.message).toContain('neither a PEM public key nor a JSON JWKS');
    expect(notJson.message).not.toContain(keys.secret.slice(0, 8));

    const mismatch = configError(() =>
      loadAuthConfig({
        LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.file(
          'mismatch.json',
          JSON.stringify({ keys: [{ ...keys.rsa.publicKey.export({ format: 'jwk' }), alg: 'HS256' }] }),
        ),
      }),
    );
    expect(mismatch.message).toContain('but its key type signs with RS256');
  });

  it('reads issuer, audience and clock skew, and checks the skew', () => {
    const config = on(
      loadAuthConfig({
        LINGUA_AUTH_JWT_SECRET: keys.secret,
        LINGUA_AUTH_JWT_ISSUER: ' https://auth.example ',
        LINGUA_AUTH_JWT_AUDIENCE: 'lingua-gateway',
        LINGUA_AUTH_CLOCK_SKEW_MS: '5000',
      }),
    );
    expect(config).toMatchObject({
      issuer: 'https://auth.example',
      audience: 'lingua-gateway',
      clockSkewMs: 5_000,
    });
    for (const bad of ['-1', '1.5', '30s', '600001']) {
      expect(
        configError(() =>
          loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: keys.secret, LINGUA_AUTH_CLOCK_SKEW_MS: bad }),
        ).variable,
      ).toBe('LINGUA_AUTH_CLOCK_SKEW_MS');
    }
  });

  it('never serializes or prints the secret when the config is logged', () => {
    const config = loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: keys.secret });
    expect(JSON.parse(JSON.stringify(config))).toEqual({
      mode: 'on',
      key: { kind: 'hmac', algorithms: ['HS256'] },
      clockSkewMs: 30_000,
    });
    const printed = inspect(config, { depth: 10 });
    expect(printed).toContain('VerificationKey<hmac (HS256)>');
    expect(printed).not.toContain(keys.secret);
  });
});
