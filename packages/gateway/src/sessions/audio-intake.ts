/**
 * Turns base64 audio from the wire into bytes with a duration, or an INVALID_MESSAGE naming the field. Opus is
 * Plan A framing (20 ms per packet); pcm16 duration follows from the byte count and the sample rate.
 */
import { isCanonicalBase64, parseOpusPlanA, pcm16DurationMs, type AudioFormat } from '@lingua/protocol';
import type { AudioPiece } from './segmenter.js';

export type IntakeResult = { ok: true; piece: AudioPiece } | { ok: false; message: string; path: string };

export function decodeAudio(
  b64: string,
  format: AudioFormat,
  sampleRate: number,
  path: string,
): IntakeResult {
  if (b64.length === 0) return { ok: true, piece: { bytes: Buffer.alloc(0), durationMs: 0 } };
  if (!isCanonicalBase64(b64)) return { ok: false, message: 'audio is not valid base64', path };
  const bytes = Buffer.from(b64, 'base64');
  if (format === 'opus') {
    const info = parseOpusPlanA(bytes);
    if (!info.valid) {
      return {
        ok: false,
        message: `malformed Opus Plan A framing at byte ${info.errorOffset ?? 0}`,
        path,
      };
    }
    return { ok: true, piece: { bytes, durationMs: info.durationMs } };
  }
  if (bytes.length % 2 !== 0) return { ok: false, message: 'pcm16 audio must have an even byte count', path };
  return { ok: true, piece: { bytes, durationMs: pcm16DurationMs(bytes.length, sampleRate) } };
}
