import { describe, expect, it } from 'vitest';
import {
  describeRefusal,
  isCredentialRefusal,
  isUsableToken,
  upgradeCredential,
} from './upgrade-credential.js';

describe('upgradeCredential', () => {
  it('leaves the endpoint alone and sends no header without a token', () => {
    expect(upgradeCredential('ws://gw/ws/node?access_token=t1', undefined)).toEqual({
      url: 'ws://gw/ws/node?access_token=t1',
      headers: {},
    });
  });

  it('sends a token as a Bearer header and drops the access_token of the endpoint (the header wins)', () => {
    expect(upgradeCredential('ws://gw/ws/node?x=1&access_token=t1', 'a.b.c')).toEqual({
      url: 'ws://gw/ws/node?x=1',
      headers: { authorization: 'Bearer a.b.c' },
    });
  });
});

describe('isUsableToken', () => {
  it('accepts a compact JWS and refuses empty or spaced strings', () => {
    expect(isUsableToken('eyJh.eyJz.sig-_')).toBe(true);
    expect(isUsableToken('')).toBe(false);
    expect(isUsableToken('a b')).toBe(false);
    expect(isUsableToken('a\n')).toBe(false);
  });
});

describe('isCredentialRefusal / describeRefusal', () => {
  it('counts only 401 and 403 as a refused credential', () => {
    expect([401, 403, 404, 503, undefined].map(isCredentialRefusal)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('names the status and the gateway reason code from the body', () => {
    expect(describeRefusal(401, 'expired\n')).toEqual({
      reason: 'expired',
      message: 'the gateway refused the credential: 401 Unauthorized (expired)',
    });
    expect(describeRefusal(403, '')).toEqual({
      message: 'the gateway refused the credential: 403 Forbidden',
    });
    expect(describeRefusal(401, '<html>nope</html>').reason).toBeUndefined();
  });
});
