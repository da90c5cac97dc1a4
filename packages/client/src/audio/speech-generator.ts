/**
 * Speech-like test audio: "syllables" (a voiced tone with a few harmonics and a little noise, under a smooth
 * envelope) separated by short gaps, with leading and trailing silence. It has the energy pattern voice-activity
 * detectors react to; it is not intelligible speech.
 */
import { between, seededRandom, type Random } from '@lingua/protocol';
import { TARGET_SAMPLE_RATE, floatToPcm16 } from './pcm.js';

export interface SpeechLikeOptions {
  /** Total length including silences. Default 2000 ms. */
  durationMs?: number;
  /** Silence before the first and after the last syllable. Default 200 ms each. */
  edgeSilenceMs?: number;
  /** Seed for the syllable pattern. Default 1. */
  seed?: number;
  /** Output rate. Default 16 000 Hz. */
  sampleRate?: number;
  /** Peak amplitude, 0..1. Default 0.5. */
  amplitude?: number;
}

export function generateSpeechLike(opts: SpeechLikeOptions = {}): Int16Array {
  const sampleRate = opts.sampleRate ?? TARGET_SAMPLE_RATE;
  const durationMs = opts.durationMs ?? 2000;
  const edgeMs = Math.min(opts.edgeSilenceMs ?? 200, durationMs / 4);
  const amplitude = opts.amplitude ?? 0.5;
  const random = seededRandom(opts.seed ?? 1);
  const total = Math.round((durationMs / 1000) * sampleRate);
  const out = new Float32Array(total);
  const toSamples = (ms: number) => Math.round((ms / 1000) * sampleRate);
  let at = toSamples(edgeMs);
  const end = total - toSamples(edgeMs);
  while (at < end) {
    const length = Math.min(end - at, toSamples(between(random, 80, 260)));
    writeSyllable(out, at, length, sampleRate, amplitude, random);
    at += length + toSamples(between(random, 30, 140));
  }
  return floatToPcm16(out);
}

function writeSyllable(
  out: Float32Array,
  start: number,
  length: number,
  sampleRate: number,
  amplitude: number,
  random: Random,
): void {
  const pitch = between(random, 110, 240);
  const glide = between(random, -0.25, 0.25);
  const noise = between(random, 0.02, 0.12);
  let phase = 0;
  for (let i = 0; i < length; i++) {
    const progress = i / length;
    // Raised-cosine envelope: no clicks at syllable edges.
    const envelope = 0.5 - 0.5 * Math.cos(2 * Math.PI * progress);
    phase += (2 * Math.PI * pitch * (1 + glide * progress)) / sampleRate;
    const voiced = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase);
    const sample = (voiced / 1.75) * (1 - noise) + (random() * 2 - 1) * noise;
    out[start + i] = amplitude * envelope * sample;
  }
}

/** RMS of a pcm16 window in [0, 1]; used by tests to tell bursts from pauses. */
export function rms(samples: Int16Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += ((samples[i] ?? 0) / 0x8000) ** 2;
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}
