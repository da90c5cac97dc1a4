/** Conversions between float samples in [-1, 1], pcm16 samples and pcm16 little-endian bytes. */

/** The audio the client sends: signed 16-bit mono at 16 kHz. */
export const TARGET_SAMPLE_RATE = 16_000;
export const BYTES_PER_SAMPLE = 2;

/** Scales by 32768 (the inverse of the WAV reader's division), so pcm16 → float → pcm16 is lossless. */
export function floatToPcm16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    out[i] = Math.max(-0x8000, Math.min(0x7fff, Math.round((input[i] ?? 0) * 0x8000)));
  }
  return out;
}

/** Little-endian bytes whatever the host's byte order (the wire format is LE). */
export function pcm16ToBytes(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * BYTES_PER_SAMPLE);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * BYTES_PER_SAMPLE, samples[i] ?? 0, true);
  return bytes;
}

export function bytesToPcm16(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(Math.floor(bytes.byteLength / BYTES_PER_SAMPLE));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * BYTES_PER_SAMPLE, true);
  return out;
}

export function durationMs(samples: number, sampleRate: number): number {
  return (samples / sampleRate) * 1000;
}
