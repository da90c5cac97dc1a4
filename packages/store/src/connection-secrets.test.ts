import { describe, expect, it } from 'vitest';
import { fatalSetupError, redactRedisUrl, scrubCredentials } from './connection-secrets.js';

describe('redactRedisUrl', () => {
  it.each([
    ['redis://user:s3cret@host:6379/0', 'redis://user:***@host:6379/0'],
    ['rediss://:s3cret@host:6380', 'rediss://:***@host:6380'],
    ['redis://s3cret@host', 'redis://***@host'],
    ['redis://u:s3cret@[bad', 'redis://u:***@[bad'],
    ['redis://u:s3c@r/et@host:1', 'redis://u:***@host:1'],
    ['redis://host:6379', 'redis://host:6379'],
    ['not a url', 'not a url'],
  ])('%s → %s', (raw, shown) => {
    expect(redactRedisUrl(raw)).toBe(shown);
  });
});

describe('scrubCredentials', () => {
  const withCommand = (name: string, args: string[]): Error =>
    Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name, args } });

  it('masks the password of AUTH and HELLO AUTH, in place', () => {
    const auth = withCommand('auth', ['lingua', 's3cret']);
    const authDefault = withCommand('auth', ['s3cret']);
    const hello = withCommand('hello', ['3', 'AUTH', 'lingua', 's3cret', 'SETNAME', 'gw']);
    for (const err of [auth, authDefault, hello]) scrubCredentials(err);
    expect(JSON.stringify([auth, authDefault, hello])).not.toContain('s3cret');
    expect((hello as unknown as { command: { args: string[] } }).command.args).toEqual([
      '3',
      'AUTH',
      'lingua',
      '***',
      'SETNAME',
      'gw',
    ]);
  });

  it("masks a Cluster error's lastNodeError and leaves other commands alone", () => {
    const inner = withCommand('auth', ['lingua', 's3cret']);
    const outer = Object.assign(new Error('Failed to refresh slots cache.'), { lastNodeError: inner });
    scrubCredentials(outer);
    expect(JSON.stringify(inner)).not.toContain('s3cret');
    const get = withCommand('get', ['key']);
    scrubCredentials(get);
    expect(JSON.stringify(get)).toContain('key');
  });
});

describe('fatalSetupError', () => {
  it('recognises refused credentials and untrusted certificates, nothing else', () => {
    expect(fatalSetupError(new Error('WRONGPASS invalid username-password pair'))).toBe('AUTH');
    expect(fatalSetupError(new Error('NOAUTH Authentication required.'))).toBe('AUTH');
    const cert = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(fatalSetupError(cert)).toBe('TLS');
    expect(fatalSetupError(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe(
      'TLS',
    );
    expect(fatalSetupError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(fatalSetupError('WRONGPASS')).toBeUndefined();
  });
});
