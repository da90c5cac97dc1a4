/**
 * The checks every inbound WebSocket message passes before it is decoded, shared by node and session sockets:
 * text frames only, a per-connection rate limit on frames and on bytes (charged by frame length, so a flood of
 * large frames is refused before anything parses it). (Oversized frames never get here: `ws` closes the socket
 * with 1009 when a frame exceeds `maxPayload`.) A refused message is answered with an `error` frame (at most one
 * RATE_LIMITED per second) and dropped; the socket stays open because the existing node agent reconnects only
 * once per process.
 *
 * A gate may have a reserved lane: frames whose raw bytes contain its marker (a node's `"job_result"`) are
 * charged to a second pair of buckets of the same size, so a node flooding other frames cannot starve its own
 * results, and results cannot be used to flood either. The marker is only a hint read before decoding: the
 * caller confirms the decoded type, and a frame that came in on the reserved lane without being one is charged
 * to the main buckets after all (`recharge`).
 */
import type { RawData } from 'ws';
import { TokenBucket } from './token-bucket.js';

export type RefusalReason = 'frame_rate' | 'byte_rate' | 'binary';

export interface GateRefusal {
  ok: false;
  code: 'INVALID_MESSAGE' | 'RATE_LIMITED';
  reason: RefusalReason;
  message: string;
  /** false = refuse silently */ reply: boolean;
}

export type GateResult =
  | {
      ok: true;
      text: string;
      /** The frame's length in bytes, as charged. */
      bytes: number;
      /** Charged to the reserved lane: the caller must confirm the type or `recharge`. */
      reserved: boolean;
    }
  | GateRefusal;

export interface InboundGateLimits {
  rateLimitPerS: number;
  rateLimitBurst: number;
  rateLimitBytesPerS: number;
  rateLimitBytesBurst: number;
}

export interface InboundGateOptions {
  /** Frames whose bytes contain this string get their own buckets (see above). */
  reservedMarker?: string;
  /** The reserved budget's own limits (default: the same as the main budget's). */
  reservedLimits?: InboundGateLimits;
  /** Told about every refused frame (metrics). */
  onRefused?: (reason: RefusalReason) => void;
}

/** At most one RATE_LIMITED reply per this interval, so a flooding client is not answered with a flood. */
const RATE_LIMIT_REPLY_EVERY_MS = 1_000;

/** A frame bucket and a byte bucket, charged together or not at all. */
class Budget {
  private readonly frames: TokenBucket;
  private readonly bytes: TokenBucket;

  constructor(limits: InboundGateLimits, now: number) {
    this.frames = new TokenBucket(limits.rateLimitPerS, limits.rateLimitBurst, now);
    this.bytes = new TokenBucket(limits.rateLimitBytesPerS, limits.rateLimitBytesBurst, now);
  }

  /** Charges one frame of `length` bytes; the reason when the budget does not cover it. */
  charge(length: number, now: number): 'frame_rate' | 'byte_rate' | undefined {
    if (!this.frames.has(now)) return 'frame_rate';
    if (!this.bytes.take(now, length)) return 'byte_rate';
    this.frames.take(now);
    return undefined;
  }
}

export class InboundGate {
  private readonly main: Budget;
  private readonly reserved: Budget | undefined;
  private readonly marker: Buffer | undefined;
  private lastRateReply = -Infinity;

  constructor(
    limits: InboundGateLimits,
    now = Date.now(),
    private readonly opts: InboundGateOptions = {},
  ) {
    this.main = new Budget(limits, now);
    if (opts.reservedMarker !== undefined) {
      this.reserved = new Budget(opts.reservedLimits ?? limits, now);
      this.marker = Buffer.from(opts.reservedMarker, 'utf8');
    }
  }

  admit(data: RawData, isBinary: boolean, now = Date.now()): GateResult {
    const buf = rawToBuffer(data);
    const reserved = this.reserved !== undefined && this.marker !== undefined && buf.includes(this.marker);
    const over = (reserved ? this.reserved : this.main)?.charge(buf.length, now);
    if (over !== undefined) return this.refuseRate(over, now);
    if (isBinary) {
      this.opts.onRefused?.('binary');
      return {
        ok: false,
        code: 'INVALID_MESSAGE',
        reason: 'binary',
        message: 'binary frames are not used; send JSON text',
        reply: true,
      };
    }
    return { ok: true, text: buf.toString('utf8'), bytes: buf.length, reserved };
  }

  /** A frame admitted on the reserved lane that was not what the lane is for: charged to the main budget. */
  recharge(bytes: number, now = Date.now()): GateRefusal | undefined {
    const over = this.main.charge(bytes, now);
    return over === undefined ? undefined : this.refuseRate(over, now);
  }

  private refuseRate(reason: 'frame_rate' | 'byte_rate', now: number): GateRefusal {
    this.opts.onRefused?.(reason);
    const reply = now - this.lastRateReply >= RATE_LIMIT_REPLY_EVERY_MS;
    if (reply) this.lastRateReply = now;
    const message =
      reason === 'frame_rate' ? 'too many messages; slow down' : 'too many bytes per second; slow down';
    return { ok: false, code: 'RATE_LIMITED', reason, message, reply };
  }
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
