/**
 * The checks every inbound WebSocket message passes before it is decoded, shared by node and session sockets:
 * text frames only, per-connection rate limit. (Oversized frames never get here: `ws` closes the socket with
 * 1009 when a frame exceeds `maxPayload`.) A refused message is answered with an `error` frame and dropped;
 * the socket stays open because the existing node agent reconnects only once per process.
 */
import type { RawData } from 'ws';
import { TokenBucket } from './token-bucket.js';

export type GateResult =
  | { ok: true; text: string }
  | {
      ok: false;
      code: 'INVALID_MESSAGE' | 'RATE_LIMITED';
      message: string;
      /** false = refuse silently */ reply: boolean;
    };

export interface InboundGateLimits {
  rateLimitPerS: number;
  rateLimitBurst: number;
}

/** At most one RATE_LIMITED reply per this interval, so a flooding client is not answered with a flood. */
const RATE_LIMIT_REPLY_EVERY_MS = 1_000;

export class InboundGate {
  private readonly bucket: TokenBucket;
  private lastRateReply = -Infinity;

  constructor(limits: InboundGateLimits, now = Date.now()) {
    this.bucket = new TokenBucket(limits.rateLimitPerS, limits.rateLimitBurst, now);
  }

  admit(data: RawData, isBinary: boolean, now = Date.now()): GateResult {
    if (!this.bucket.take(now)) {
      const reply = now - this.lastRateReply >= RATE_LIMIT_REPLY_EVERY_MS;
      if (reply) this.lastRateReply = now;
      return { ok: false, code: 'RATE_LIMITED', message: 'too many messages; slow down', reply };
    }
    if (isBinary) {
      return {
        ok: false,
        code: 'INVALID_MESSAGE',
        message: 'binary frames are not used; send JSON text',
        reply: true,
      };
    }
    return { ok: true, text: rawToString(data) };
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
