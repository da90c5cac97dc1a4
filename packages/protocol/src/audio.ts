/**
 * Pure audio helpers shared by the gateway and the SDKs. In the wire protocol audio in JSON is base64; `opus` is
 * "Plan A" framing — repeated `[uint16 LE length][Opus packet]`, 16 kHz mono, 20 ms per packet; `pcm16` is signed
 * 16-bit little-endian.
 */
import { ProtocolError } from './errors.js';
import type { AudioFormat } from './messages.js';

export const OPUS_PACKET_MS = 20;
export const PLAN_A_HEADER_BYTES = 2;
export const DEFAULT_SAMPLE_RATE = 16_000;

export interface PlanAInfo {
  /** True when the bytes are a whole number of well-formed `[length][packet]` records. */
  readonly valid: boolean;
  /** Complete packets before the end (or before the first malformed record). */
  readonly packets: number;
  /** `packets × 20 ms`. */
  readonly durationMs: number;
  /** Byte offset of the first malformed record, when invalid. */
  readonly errorOffset?: number;
}

export interface PlanAOptions {
  /** Reject packets longer than this (no bound by default). */
  readonly maxPacketBytes?: number;
}

/**
 * Walks the framing without copying. A record is malformed when its header or packet is cut off, or when it
 * declares an empty packet (an Opus packet has at least one byte). Empty input is valid: zero packets.
 */
export function parseOpusPlanA(bytes: Uint8Array, options: PlanAOptions = {}): PlanAInfo {
  const max = options.maxPacketBytes ?? Infinity;
  const end = bytes.length;
  let offset = 0;
  let packets = 0;
  while (offset < end) {
    if (offset + PLAN_A_HEADER_BYTES > end) return invalid(packets, offset);
    const len = (bytes[offset] as number) | ((bytes[offset + 1] as number) << 8);
    if (len === 0 || len > max || offset + PLAN_A_HEADER_BYTES + len > end) return invalid(packets, offset);
    offset += PLAN_A_HEADER_BYTES + len;
    packets++;
  }
  return { valid: true, packets, durationMs: packets * OPUS_PACKET_MS };
}

function invalid(packets: number, errorOffset: number): PlanAInfo {
  return { valid: false, packets, durationMs: packets * OPUS_PACKET_MS, errorOffset };
}

/** The packets of a Plan A stream as views into `bytes`; stops at the first malformed record. */
export function* opusPlanAPackets(bytes: Uint8Array): Generator<Uint8Array> {
  let offset = 0;
  while (offset + PLAN_A_HEADER_BYTES <= bytes.length) {
    const len = (bytes[offset] as number) | ((bytes[offset + 1] as number) << 8);
    const start = offset + PLAN_A_HEADER_BYTES;
    if (len === 0 || start + len > bytes.length) return;
    yield bytes.subarray(start, start + len);
    offset = start + len;
  }
}

/** Frames Opus packets as Plan A (used by simulators and test clients). */
export function encodeOpusPlanA(packets: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of packets) {
    if (p.length === 0 || p.length > 0xffff) {
      throw new ProtocolError(
        'INVALID_AUDIO',
        `Opus packet length ${p.length} cannot be framed as Plan A (1..65535)`,
      );
    }
    total += PLAN_A_HEADER_BYTES + p.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of packets) {
    out[offset] = p.length & 0xff;
    out[offset + 1] = p.length >>> 8;
    out.set(p, offset + PLAN_A_HEADER_BYTES);
    offset += PLAN_A_HEADER_BYTES + p.length;
  }
  return out;
}

/** Duration of Plan A Opus: 20 ms per complete packet. */
export function opusPlanADurationMs(bytes: Uint8Array): number {
  return parseOpusPlanA(bytes).durationMs;
}

/** Duration of pcm16 audio of `byteLength` bytes (whole samples only). */
export function pcm16DurationMs(
  byteLength: number,
  sampleRate: number = DEFAULT_SAMPLE_RATE,
  channels = 1,
): number {
  if (!(sampleRate > 0) || !(channels > 0) || !(byteLength > 0)) return 0;
  const frames = Math.floor(byteLength / (2 * channels));
  return (frames * 1000) / sampleRate;
}

/** Duration of decoded audio in either wire format. */
export function audioDurationMs(
  format: AudioFormat,
  bytes: Uint8Array,
  sampleRate: number = DEFAULT_SAMPLE_RATE,
): number {
  return format === 'opus' ? opusPlanADurationMs(bytes) : pcm16DurationMs(bytes.length, sampleRate);
}

/**
 * Decoded size of a base64 string without decoding it. Exact for canonical base64 (padded or not, standard or
 * URL alphabet, no whitespace) — i.e. equal to `Buffer.from(s, 'base64').length` for such input.
 */
export function base64DecodedLength(b64: string): number {
  let n = b64.length;
  if (n > 0 && b64.charCodeAt(n - 1) === 0x3d) n--;
  if (n > 0 && b64.charCodeAt(n - 1) === 0x3d) n--;
  return Math.floor((n * 3) / 4);
}

const BASE64_ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  BASE64_ALPHABET[c.charCodeAt(0)] = 1;

/** True for canonical padded standard base64 (what the existing clients send). One pass, no allocation. */
export function isCanonicalBase64(b64: string): boolean {
  const n = b64.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (end > 0 && b64.charCodeAt(end - 1) === 0x3d) end--;
  if (end > 0 && b64.charCodeAt(end - 1) === 0x3d) end--;
  for (let i = 0; i < end; i++) {
    const c = b64.charCodeAt(i);
    if (c >= 128 || BASE64_ALPHABET[c] === 0) return false;
  }
  return true;
}

/** Decodes base64 audio into bytes (a view of a Buffer; Node only). */
export function decodeBase64Audio(b64: string): Uint8Array {
  return Buffer.from(b64, 'base64');
}
