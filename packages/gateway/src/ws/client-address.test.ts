import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientAddressResolver, normalizeAddress, parseCidr, type Cidr } from './client-address.js';

/** Only what the resolver reads of a request: the peer and the headers. */
function request(peer: string, xff?: string | string[]): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  } as unknown as IncomingMessage;
}

const cidrs = (...list: string[]): Cidr[] => list.map((c) => parseCidr(c) as Cidr);

describe('parseCidr / normalizeAddress', () => {
  it('reads networks and single hosts, IPv4 and IPv6, and refuses the rest', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('192.168.1.7')).toEqual({ address: '192.168.1.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', '::/129', 'lb.internal', '10.0.0.0/8/1', '10.0.0.0/x', '']) {
      expect(parseCidr(bad)).toBeUndefined();
    }
  });

  it('spells one address one way', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress(' 203.0.113.9:4711 ')).toBe('203.0.113.9');
    expect(normalizeAddress('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(normalizeAddress('2001:db8::1')).toBe('2001:db8::1');
  });
});

describe('ClientAddressResolver', () => {
  it('ignores X-Forwarded-For when no proxy is trusted, or the peer is not one', () => {
    expect(new ClientAddressResolver([]).resolve(request('198.51.100.1', '203.0.113.9'))).toBe(
      '198.51.100.1',
    );
    const r = new ClientAddressResolver(cidrs('10.0.0.0/8'));
    expect(r.resolve(request('198.51.100.1', '203.0.113.9'))).toBe('198.51.100.1');
  });

  it('walks the header from the right past trusted proxies: a forged left part is never the answer', () => {
    const r = new ClientAddressResolver(cidrs('10.0.0.0/8', 'fd00::/8'));
    expect(r.resolve(request('10.0.0.2', '203.0.113.9'))).toBe('203.0.113.9');
    // The client sent "1.1.1.1" itself; the LB appended the real address.
    expect(r.resolve(request('10.0.0.2', '1.1.1.1, 203.0.113.9'))).toBe('203.0.113.9');
    // Two proxies of ours in a row.
    expect(r.resolve(request('::ffff:10.0.0.2', ['203.0.113.9', '10.1.1.1']))).toBe('203.0.113.9');
    expect(r.resolve(request('fd00::5', '2001:db8::7, fd00::9'))).toBe('2001:db8::7');
  });

  it('falls back to the last trusted hop when the header is missing, garbled or all trusted', () => {
    const r = new ClientAddressResolver(cidrs('10.0.0.0/8'));
    expect(r.resolve(request('10.0.0.2'))).toBe('10.0.0.2');
    expect(r.resolve(request('10.0.0.2', 'unknown'))).toBe('10.0.0.2');
    expect(r.resolve(request('10.0.0.2', '203.0.113.9, garbage'))).toBe('10.0.0.2');
    expect(r.resolve(request('10.0.0.2', '10.0.0.3'))).toBe('10.0.0.3');
  });
});
