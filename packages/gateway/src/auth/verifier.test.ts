import { createHmac } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestKeys } from '../testing/auth-keys.js';
import { loadAuthConfig } from './auth-config.js';
import { mintToken, type MintTokenOptions } from './mint-token.js';
import type { Role } from './roles.js';
import { createAuthVerifier, type AuthResult } from './verifier.js';

const keys = createTestKeys();
afterAll(() => keys.remove());

/** A real upgrade request object with the given URL and headers. */
function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  req.headers = headers;
  return req;
}
const withHeader = (token: string, url = '/ws/node'): IncomingMessage =>
  request(url, { authorization: `Bearer ${token}` });

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A compact JWS assembled by hand, for tokens jose would refuse to produce. */
function rawToken(header: object, payload: object, hmacKey?: string | Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = hmacKey === undefined ? '' : createHmac('sha256', hmacKey).update(input).digest('base64url');
  return `${input}.${sig}`;
}
const nowS = (): number => Math.floor(Date.now() / 1000);

const hs = createAuthVerifier(loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: keys.secret }));
const mintHs = (opts: Omit<MintTokenOptions, 'secret'>): Promise<string> =>
  mintToken({ secret: keys.secret, ...opts });

function expectRefused(result: AuthResult, status: 401 | 403, reason: string): void {
  expect(result).toEqual({ ok: false, status, reason });
}
function principal(result: AuthResult) {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.principal;
}

describe('createAuthVerifier with an HS256 secret', () => {
  it('admits a node token from the Authorization header, bound to its exact node id', async () => {
    const token = await mintHs({ role: 'node', nodeId: 'n-1', tenant: 'acme' });
    const p = principal(await hs.verify(withHeader(token), 'node'));
    expect(p).toMatchObject({ role: 'node', subject: 'n-1', tenant: 'acme', anonymous: false });
    expect(p.nodeBinding).toEqual({ kind: 'exact', nodeId: 'n-1' });
    expect(p.mayUseNodeId('n-1')).toBe(true);
    expect(p.mayUseNodeId('n-10')).toBe(false);
    expect(p.mayUseNodeId('n-2')).toBe(false);
    expect(p.expiresAtMs).toBeGreaterThan(Date.now());
  });

  it('admits a token from the access_token query parameter; a prefix binding covers ids under the prefix', async () => {
    const token = await mintHs({ role: 'node', nodeIdPrefix: 'gpu-eu-' });
    const p = principal(await hs.verify(request(`/ws/node?v=1&access_token=${token}`), 'node'));
    expect(p.mayUseNodeId('gpu-eu-17')).toBe(true);
    expect(p.mayUseNodeId('gpu-us-17')).toBe(false);
  });

  it('session and admin principals may not act as any node', async () => {
    const session = principal(
      await hs.verify(withHeader(await mintHs({ role: 'session', sub: 'u-1' })), 'session'),
    );
    expect(session).toMatchObject({
      role: 'session',
      subject: 'u-1',
      tenant: undefined,
      nodeBinding: undefined,
    });
    expect(session.mayUseNodeId('n-1')).toBe(false);
    const admin = principal(await hs.verify(withHeader(await mintHs({ role: 'admin' })), 'admin'));
    expect(admin.mayUseNodeId('n-1')).toBe(false);
  });

  it('refuses a missing token, a non-Bearer header, and a token given twice', async () => {
    const token = await mintHs({ role: 'session' });
    expectRefused(await hs.verify(request('/ws/session'), 'session'), 401, 'missing_token');
    expectRefused(await hs.verify(request('/ws/session?access_token='), 'session'), 401, 'missing_token');
    expectRefused(
      await hs.verify(request('/ws/session', { authorization: `Basic ${token}` }), 'session'),
      401,
      'malformed_request',
    );
    expectRefused(
      await hs.verify(withHeader(token, `/ws/session?access_token=${token}`), 'session'),
      401,
      'malformed_request',
    );
    expectRefused(
      await hs.verify(request(`/ws/session?access_token=${token}&access_token=${token}`), 'session'),
      401,
      'malformed_request',
    );
  });

  it('refuses a token of another role with 403; admin does not stand in for node or session', async () => {
    const session = await mintHs({ role: 'session' });
    const admin = await mintHs({ role: 'admin' });
    const node = await mintHs({ role: 'node', nodeId: 'n-1' });
    expectRefused(await hs.verify(withHeader(session), 'node'), 403, 'wrong_role');
    expectRefused(await hs.verify(withHeader(node), 'session'), 403, 'wrong_role');
    expectRefused(await hs.verify(withHeader(admin), 'node'), 403, 'wrong_role');
    expectRefused(await hs.verify(withHeader(admin), 'session'), 403, 'wrong_role');
    expectRefused(await hs.verify(withHeader(session), 'admin'), 403, 'wrong_role');
  });

  it('enforces exp with the clock skew (30 s by default)', async () => {
    const ttlMs = 60_000;
    const justExpired = await mintHs({ role: 'session', ttlMs, nowMs: Date.now() - ttlMs - 10_000 });
    expect((await hs.verify(withHeader(justExpired), 'session')).ok).toBe(true);
    const expired = await mintHs({ role: 'session', ttlMs, nowMs: Date.now() - ttlMs - 60_000 });
    expectRefused(await hs.verify(withHeader(expired), 'session'), 401, 'expired');

    const strict = createAuthVerifier(
      loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: keys.secret, LINGUA_AUTH_CLOCK_SKEW_MS: '0' }),
    );
    expectRefused(await strict.verify(withHeader(justExpired), 'session'), 401, 'expired');
  });

  it('enforces nbf with the clock skew', async () => {
    const soon = await mintHs({ role: 'session', notBeforeMs: Date.now() + 10_000 });
    expect((await hs.verify(withHeader(soon), 'session')).ok).toBe(true);
    const later = await mintHs({ role: 'session', notBeforeMs: Date.now() + 120_000 });
    expectRefused(await hs.verify(withHeader(later), 'session'), 401, 'not_yet_valid');
  });

  it('requires exp and sub', async () => {
    const noExp = await new SignJWT({ role: 'session' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .sign(Buffer.from(keys.secret));
    expectRefused(await hs.verify(withHeader(noExp), 'session'), 401, 'invalid_claims');
    const noSub = await new SignJWT({ role: 'session' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(Buffer.from(keys.secret));
    expectRefused(await hs.verify(withHeader(noSub), 'session'), 401, 'invalid_claims');
  });

  it('refuses node tokens without exactly one node binding, and unknown roles', async () => {
    const sign = (claims: Record<string, unknown>): Promise<string> =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('n')
        .setExpirationTime('1h')
        .sign(Buffer.from(keys.secret));
    for (const claims of [
      { role: 'node' },
      { role: 'node', node_id: 'n-1', node_id_prefix: 'n-' },
      { role: 'node', node_id: 42 },
      { role: 'node', node_id: 'has space' },
      { role: 'root', node_id: 'n-1' },
    ]) {
      expectRefused(await hs.verify(withHeader(await sign(claims)), 'node'), 401, 'invalid_claims');
    }
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createAuthVerifier(
      loadAuthConfig({
        LINGUA_AUTH_JWT_SECRET: keys.secret,
        LINGUA_AUTH_JWT_ISSUER: 'https://auth.example',
        LINGUA_AUTH_JWT_AUDIENCE: 'lingua-gateway',
      }),
    );
    const good = { role: 'session' as Role, issuer: 'https://auth.example', audience: 'lingua-gateway' };
    expect((await strict.verify(withHeader(await mintHs(good)), 'session')).ok).toBe(true);
    const wrongIss = await mintHs({ ...good, issuer: 'https://evil.example' });
    expectRefused(await strict.verify(withHeader(wrongIss), 'session'), 401, 'wrong_issuer');
    const wrongAud = await mintHs({ ...good, audience: 'other-service' });
    expectRefused(await strict.verify(withHeader(wrongAud), 'session'), 401, 'wrong_audience');
    const none = await mintHs({ role: 'session' });
    expect((await strict.verify(withHeader(none), 'session')).ok).toBe(false);
  });

  it('refuses another HMAC algorithm, alg none, a tampered token and another secret', async () => {
    const hs512 = await new SignJWT({ role: 'session' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u-1')
      .setExpirationTime('1h')
      .sign(Buffer.from(keys.secret));
    expectRefused(await hs.verify(withHeader(hs512), 'session'), 401, 'algorithm_not_allowed');

    const none = rawToken({ alg: 'none', typ: 'JWT' }, { role: 'session', sub: 'u-1', exp: nowS() + 600 });
    expectRefused(await hs.verify(withHeader(none), 'session'), 401, 'algorithm_not_allowed');

    const token = await mintHs({ role: 'session', sub: 'u-1' });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64({ role: 'admin', sub: 'u-1', exp: nowS() + 600 })}.${signature}`;
    expectRefused(await hs.verify(withHeader(forged), 'admin'), 401, 'bad_signature');
    const flipped = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expectRefused(await hs.verify(withHeader(flipped), 'session'), 401, 'bad_signature');

    const other = await mintToken({ secret: 'another-secret-that-is-long-enough-000000', role: 'session' });
    expectRefused(await hs.verify(withHeader(other), 'session'), 401, 'bad_signature');
    expectRefused(await hs.verify(withHeader('not.a.jwt'), 'session'), 401, 'malformed_token');
  });
});

describe('createAuthVerifier with public keys', () => {
  const rsa = createAuthVerifier(loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.rsa.publicFile }));

  it('admits RS256 tokens signed by the matching private key (PEM text or KeyObject), refuses other keys', async () => {
    const fromPem = await mintToken({ privateKey: keys.rsa.privatePem, role: 'node', nodeId: 'n-1' });
    expect(JSON.parse(Buffer.from(fromPem.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({
      alg: 'RS256',
    });
    expect(principal(await rsa.verify(withHeader(fromPem), 'node')).mayUseNodeId('n-1')).toBe(true);
    const fromKey = await mintToken({ privateKey: keys.rsa.privateKey, role: 'session' });
    expect((await rsa.verify(withHeader(fromKey), 'session')).ok).toBe(true);

    const ecSigned = await mintToken({ privateKey: keys.ec.privateKey, role: 'session' });
    expectRefused(await rsa.verify(withHeader(ecSigned), 'session'), 401, 'algorithm_not_allowed');
    const hsSigned = await mintHs({ role: 'session' });
    expectRefused(await rsa.verify(withHeader(hsSigned), 'session'), 401, 'algorithm_not_allowed');
  });

  it('cannot be fooled into HMAC with the public key as the secret', async () => {
    const payload = { role: 'node', node_id: 'n-1', sub: 'n-1', exp: nowS() + 600 };
    for (const alg of ['HS256', 'hs256']) {
      const confused = rawToken({ alg, typ: 'JWT' }, payload, keys.rsa.publicPem);
      const result = await rsa.verify(withHeader(confused), 'node');
      expect(result.ok).toBe(false);
      expect(result.ok ? 0 : result.status).toBe(401);
    }
  });

  it('admits ES256 tokens with an EC P-256 public key', async () => {
    const ec = createAuthVerifier(loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.ec.publicFile }));
    const token = await mintToken({ privateKey: keys.ec.privatePem, role: 'admin' });
    expect(principal(await ec.verify(withHeader(token), 'admin')).role).toBe('admin');
    const rs = await mintToken({ privateKey: keys.rsa.privateKey, role: 'admin' });
    expectRefused(await ec.verify(withHeader(rs), 'admin'), 401, 'algorithm_not_allowed');
  });

  it('picks the key out of a JWKS file by kid, or by type when the token names none', async () => {
    const jwks = createAuthVerifier(loadAuthConfig({ LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.jwksFile }));
    const rs = await mintToken({ privateKey: keys.rsa.privateKey, role: 'session', kid: 'rsa-1' });
    expect((await jwks.verify(withHeader(rs), 'session')).ok).toBe(true);
    const es = await mintToken({ privateKey: keys.ec.privateKey, role: 'session', kid: 'ec-1' });
    expect((await jwks.verify(withHeader(es), 'session')).ok).toBe(true);
    const noKid = await mintToken({ privateKey: keys.ec.privateKey, role: 'session' });
    expect((await jwks.verify(withHeader(noKid), 'session')).ok).toBe(true);

    const unknownKid = await mintToken({ privateKey: keys.rsa.privateKey, role: 'session', kid: 'rsa-2' });
    expectRefused(await jwks.verify(withHeader(unknownKid), 'session'), 401, 'unknown_key');
    const hsSigned = await mintHs({ role: 'session' });
    expectRefused(await jwks.verify(withHeader(hsSigned), 'session'), 401, 'algorithm_not_allowed');
  });
});

describe('createAuthVerifier with LINGUA_AUTH=off', () => {
  it('admits everything with an anonymous principal of the expected role', async () => {
    const off = createAuthVerifier(loadAuthConfig({ LINGUA_AUTH: 'off' }));
    const p = principal(await off.verify(request('/ws/node'), 'node'));
    expect(p).toMatchObject({ role: 'node', subject: 'anonymous', anonymous: true });
    expect(p.mayUseNodeId('any-node')).toBe(true);
    const garbage = principal(await off.verify(withHeader('garbage'), 'session'));
    expect(garbage.role).toBe('session');
  });
});
