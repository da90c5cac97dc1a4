/**
 * The client address of an upgrade request: the TCP peer, unless the peer is a trusted proxy
 * (`LINGUA_TRUSTED_PROXIES`), in which case `X-Forwarded-For` is walked from its right end — each proxy appends
 * the address it received the request from — past every trusted address, and the first untrusted one is the
 * client. Walking from the right matters: the left part of the header is whatever the client sent and can be
 * forged, only the entries appended by trusted proxies cannot. Per-address limits and logs use this address.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** One trusted network, as configured. */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `addr/prefix` or a bare address (a single host); undefined when it is neither. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr = '', bits, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const address = normalizeAddress(addr);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return Object.freeze({ address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' });
}

/**
 * An address as it appears in a socket or a header, in one spelling: IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a
 * dual-stack listener reports) becomes plain IPv4, brackets and a port (`[::1]:80`, `1.2.3.4:80`) are dropped.
 */
export function normalizeAddress(raw: string): string {
  let a = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed?.[1] !== undefined) a = bracketed[1];
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  if (mapped?.[1] !== undefined) a = mapped[1];
  return a.toLowerCase();
}

export class ClientAddressResolver {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  constructor(trustedProxies: readonly Cidr[]) {
    for (const c of trustedProxies) this.trusted.addSubnet(c.address, c.prefix, c.family);
    this.any = trustedProxies.length > 0;
  }

  /** The client address of `req` (an empty string only when the socket no longer knows its peer). */
  resolve(req: IncomingMessage): string {
    let client = normalizeAddress(req.socket.remoteAddress ?? '');
    if (!this.any || !this.isTrusted(client)) return client;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeAddress(hops[i] ?? '');
      // A garbled entry was not written by a proxy we trust: the last trusted hop is all we know.
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!this.isTrusted(hop)) return hop;
    }
    return client;
  }

  private isTrusted(address: string): boolean {
    const v = isIP(address);
    return v !== 0 && this.trusted.check(address, v === 4 ? 'ipv4' : 'ipv6');
  }
}
