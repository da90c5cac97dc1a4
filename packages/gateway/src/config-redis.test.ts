import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redisConnectionOptions } from './config.js';

/** Authentication needs a key; these cases are about Redis only. */
const KEYED = { LINGUA_AUTH_JWT_SECRET: 'k'.repeat(32) };

const dir = mkdtempSync(join(tmpdir(), 'lingua-config-redis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...KEYED, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Redis credentials and TLS', () => {
  it('default: no credentials, no TLS', () => {
    const c = loadConfig(KEYED);
    expect(c.redisUsername).toBeUndefined();
    expect(c.redisPassword).toBeUndefined();
    expect(c.redisTls).toBeUndefined();
    expect(redisConnectionOptions(c)).toEqual({ url: 'redis://127.0.0.1:6379', clusterNodes: [] });
  });

  it('moves URL credentials out of the URL (decoded) and keeps db and port', () => {
    const c = loadConfig({ ...KEYED, LINGUA_REDIS_URL: 'redis://app:p%40ss@redis.internal:6380/2' });
    expect(c.redisUrl).toBe('redis://redis.internal:6380/2');
    expect(c.redisUsername).toBe('app');
    expect(c.redisPassword?.reveal()).toBe('p@ss');
    expect(redisConnectionOptions(c)).toMatchObject({ username: 'app', password: 'p@ss' });
  });

  it('explicit variables win over the URL', () => {
    const c = loadConfig({
      ...KEYED,
      LINGUA_REDIS_URL: 'redis://app:old@redis:6379',
      LINGUA_REDIS_USERNAME: 'lingua',
      LINGUA_REDIS_PASSWORD: 'new',
    });
    expect(c.redisUsername).toBe('lingua');
    expect(c.redisPassword?.reveal()).toBe('new');
  });

  it('applies the variables in Cluster mode, where the URL is not used', () => {
    const c = loadConfig({
      ...KEYED,
      LINGUA_REDIS_URL: 'rediss://ignored:ignored@x:1',
      LINGUA_REDIS_CLUSTER_NODES: 'a:7000',
      LINGUA_REDIS_USERNAME: 'lingua',
      LINGUA_REDIS_PASSWORD: 'pw',
      LINGUA_REDIS_TLS: '1',
      LINGUA_REDIS_TLS_SERVERNAME: 'redis.internal',
    });
    expect(redisConnectionOptions(c)).toMatchObject({
      clusterNodes: ['a:7000'],
      username: 'lingua',
      password: 'pw',
      tls: { servername: 'redis.internal' },
    });
  });

  it('reads the password from a file, trailing newline trimmed, and the CA bundle from a file', () => {
    const c = loadConfig({
      ...KEYED,
      LINGUA_REDIS_PASSWORD_FILE: file('pw', ' s3cret x\n'),
      LINGUA_REDIS_TLS: 'true',
      LINGUA_REDIS_TLS_CA_FILE: file('ca.pem', PEM),
    });
    expect(c.redisPassword?.reveal()).toBe(' s3cret x');
    expect(c.redisTls).toMatchObject({ ca: PEM, servername: undefined });
    expect(redisConnectionOptions(c).tls).toEqual({ ca: PEM });
  });

  it('rediss:// means TLS with the system CAs', () => {
    const c = loadConfig({ ...KEYED, LINGUA_REDIS_URL: 'rediss://redis:6380' });
    expect(redisConnectionOptions(c).tls).toEqual({});
  });

  it.each([
    [{ LINGUA_REDIS_PASSWORD: 'a', LINGUA_REDIS_PASSWORD_FILE: '/x' }, 'LINGUA_REDIS_PASSWORD_FILE'],
    [{ LINGUA_REDIS_PASSWORD_FILE: join(tmpdir(), 'no-such-lingua-file') }, 'LINGUA_REDIS_PASSWORD_FILE'],
    [{ LINGUA_REDIS_TLS_CA_FILE: '/x' }, 'LINGUA_REDIS_TLS_CA_FILE'],
    [
      { LINGUA_REDIS_TLS: '1', LINGUA_REDIS_TLS_CA_FILE: join(tmpdir(), 'no-such-ca') },
      'LINGUA_REDIS_TLS_CA_FILE',
    ],
    [{ LINGUA_REDIS_TLS: 'sometimes' }, 'LINGUA_REDIS_TLS'],
    [{ LINGUA_REDIS_URL: 'rediss://h:1', LINGUA_REDIS_TLS: '0' }, 'LINGUA_REDIS_TLS'],
  ])('rejects %o naming %s', (env, variable) => {
    expect(configError(env).variable).toBe(variable);
  });

  it('rejects an empty password file and a CA file without a certificate', () => {
    expect(configError({ LINGUA_REDIS_PASSWORD_FILE: file('empty', '\n') }).message).toContain('empty');
    const err = configError({ LINGUA_REDIS_TLS: '1', LINGUA_REDIS_TLS_CA_FILE: file('not-pem', 'hello') });
    expect(err.message).toContain('no PEM certificate');
  });
});

describe('secrets stay out of messages and dumps', () => {
  it('a malformed URL is reported with its password masked', () => {
    const err = configError({ LINGUA_REDIS_URL: 'redis://u:s3cret@[bad' });
    expect(err.variable).toBe('LINGUA_REDIS_URL');
    expect(err.message).toContain('redis://u:***@[bad');
    expect(err.message).not.toContain('s3cret');
    expect(String(err.stack)).not.toContain('s3cret');
  });

  it('a bad percent-encoding in the URL is reported without the URL', () => {
    const err = configError({ LINGUA_REDIS_URL: 'redis://u:s3cret%zz@host:1' });
    expect(err.message).not.toContain('s3cret');
  });

  it('a password file that is not readable is named, its content never shown', () => {
    const path = file('dir-not-file', 'x');
    rmSync(path);
    const err = configError({ LINGUA_REDIS_PASSWORD_FILE: path });
    expect(err.message).toContain(path);
    expect(err.message).toContain('ENOENT');
  });

  it('the loaded configuration prints the password as *** in JSON, inspect and string form', () => {
    const c = loadConfig({
      ...KEYED,
      LINGUA_REDIS_URL: 'redis://app:s3cret@redis:6379',
      LINGUA_REDIS_USERNAME: 'app',
    });
    expect(c.redisPassword?.reveal()).toBe('s3cret');
    const dumps = [JSON.stringify(c), inspect(c, { depth: 5 }), `${String(c.redisPassword)}`, c.redisUrl];
    for (const dump of dumps) expect(dump).not.toContain('s3cret');
    expect(JSON.parse(JSON.stringify(c))).toMatchObject({
      redisPassword: '***',
      redisUrl: 'redis://redis:6379',
    });
  });
});
