/**
 * Cuts an utterance into `audio_chunk` payloads the way the web client does: one chunk per 256 ms of audio.
 * pcm16 chunks are exact byte slices; Plan A chunks carry the whole 20 ms frames that ended by the chunk's
 * boundary (12 or 13 packets each), the last frame zero-padded.
 *
 * We have no Opus encoder: in `opus-plan-a` mode each "packet" is 20 ms of raw pcm16. It exercises the Plan A
 * framing path through the gateway; it is not real Opus (a real node would fail to decode it, the simulator only
 * counts packets).
 */
import { BYTES_PER_SAMPLE, pcm16ToBytes } from './pcm.js';
import { OPUS_PACKET_MS, encodeOpusPlanA } from '@lingua/protocol';

export const CHUNK_MS = 256;

/** `pcm16`: raw samples. `opus-plan-a`: pcm16 frames wrapped in Plan A framing (framing test mode). */
export type WireAudioFormat = 'pcm16' | 'opus-plan-a';

export interface ChunkOptions {
  format: WireAudioFormat;
  sampleRate: number;
  chunkMs?: number;
}

export function chunkUtterance(samples: Int16Array, opts: ChunkOptions): Uint8Array[] {
  const chunkMs = opts.chunkMs ?? CHUNK_MS;
  return opts.format === 'pcm16'
    ? chunkPcm(samples, opts.sampleRate, chunkMs)
    : chunkPlanA(samples, opts.sampleRate, chunkMs);
}

function chunkPcm(samples: Int16Array, sampleRate: number, chunkMs: number): Uint8Array[] {
  const bytes = pcm16ToBytes(samples);
  const chunkBytes = Math.round((sampleRate * chunkMs) / 1000) * BYTES_PER_SAMPLE;
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += chunkBytes) chunks.push(bytes.subarray(at, at + chunkBytes));
  return chunks;
}

function chunkPlanA(samples: Int16Array, sampleRate: number, chunkMs: number): Uint8Array[] {
  const frameSamples = Math.round((sampleRate * OPUS_PACKET_MS) / 1000);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < samples.length; at += frameSamples) {
    const frame = new Int16Array(frameSamples);
    frame.set(samples.subarray(at, at + frameSamples));
    frames.push(pcm16ToBytes(frame));
  }
  const chunks: Uint8Array[] = [];
  let next = 0;
  for (let boundaryMs = chunkMs; next < frames.length; boundaryMs += chunkMs) {
    const endFrame = Math.min(frames.length, Math.floor(boundaryMs / OPUS_PACKET_MS));
    if (endFrame > next) chunks.push(encodeOpusPlanA(frames.slice(next, endFrame)));
    next = Math.max(next, endFrame);
  }
  return chunks;
}
