import { describe, expect, it } from 'vitest';
import { parseHostPort, reconnectDelayMs } from './connection.js';
import { StoreError } from './errors.js';
import { assertOneHashTag, hashTagOf } from './scripts/hash-tag.js';

describe('parseHostPort', () => {
  it('parses host:port, including bracketed IPv6', () => {
    expect(parseHostPort('10.0.0.1:7000')).toEqual({ host: '10.0.0.1', port: 7000 });
    expect(parseHostPort('redis-0.redis:6379')).toEqual({ host: 'redis-0.redis', port: 6379 });
    expect(parseHostPort('[::1]:7001')).toEqual({ host: '::1', port: 7001 });
  });

  it.each(['redis', ':7000', 'host:', 'host:0', 'host:70000', 'host:x'])('refuses "%s"', (spec) => {
    expect(() => parseHostPort(spec)).toThrow(StoreError);
  });
});

describe('reconnectDelayMs', () => {
  it('backs off exponentially with jitter and caps at 2 s', () => {
    for (let attempt = 1; attempt < 20; attempt++) {
      const base = Math.min(50 * 2 ** Math.min(attempt, 6), 2_000);
      const d = reconnectDelayMs(attempt);
      expect(d).toBeGreaterThanOrEqual(base / 2);
      expect(d).toBeLessThanOrEqual(base);
    }
    expect(reconnectDelayMs(100)).toBeLessThanOrEqual(2_000);
  });
});

describe('hash tags', () => {
  it('follows the server rule: first non-empty {…}, else the whole key', () => {
    expect(hashTagOf('lingua:v1:{p:abc:3}:free')).toBe('p:abc:3');
    expect(hashTagOf('plain')).toBe('plain');
    expect(hashTagOf('a{}b{c}')).toBe('a{}b{c}');
    expect(hashTagOf('a{b')).toBe('a{b');
  });

  it('accepts one tag, refuses several and none', () => {
    expect(() => assertOneHashTag('s', ['x:{t}:a', 'x:{t}:b'])).not.toThrow();
    expect(() => assertOneHashTag('s', ['x:{t}:a', 'x:{u}:b'])).toThrow(/CROSSSLOT|hash tags/);
    expect(() => assertOneHashTag('s', [])).toThrow(StoreError);
  });
});
