/**
 * RIFF/WAVE reader for the CLI: integer PCM (8/16/24/32-bit), IEEE float (32/64-bit) and their
 * WAVE_FORMAT_EXTENSIBLE variants, any channel count and rate. Everything is normalised to what the
 * gateway expects: pcm16, 16 kHz, mono.
 */
import { readFile } from 'node:fs/promises';
import { ClientError } from '../errors.js';
import { TARGET_SAMPLE_RATE, floatToPcm16 } from './pcm.js';
import { downmix, resampleLinear } from './resample.js';

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

export interface DecodedWav {
  sampleRate: number;
  bitsPerSample: number;
  /** One array per channel, samples in [-1, 1]. */
  channels: Float32Array[];
}

/** Speech audio ready to stream: pcm16 mono at 16 kHz, plus what the file originally was. */
export interface SpeechAudio {
  samples: Int16Array;
  sampleRate: typeof TARGET_SAMPLE_RATE;
  source: { sampleRate: number; channels: number; bitsPerSample: number };
}

function invalid(message: string): ClientError {
  return new ClientError('INVALID_WAV', message);
}

function ascii(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

export function decodeWav(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || ascii(view, 0) !== 'RIFF' || ascii(view, 8) !== 'WAVE') {
    throw invalid('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let data: { offset: number; length: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = ascii(view, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.byteLength) throw invalid('truncated fmt chunk');
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE) {
        // The sub-format GUID starts with the plain format tag.
        if (size < 40) throw invalid('truncated WAVE_FORMAT_EXTENSIBLE fmt chunk');
        format = view.getUint16(body + 24, true);
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      // Streaming writers leave the size at 0 or 0xFFFFFFFF; take what the file holds.
      const length = Math.min(size === 0 ? Infinity : size, bytes.byteLength - body);
      data = { offset: body, length };
    }
    offset = body + size + (size % 2);
  }
  if (fmt === undefined) throw invalid('missing fmt chunk');
  if (data === undefined) throw invalid('missing data chunk');
  if (fmt.channels < 1) throw invalid('channel count must be at least 1');
  if (fmt.sampleRate < 1) throw invalid('sample rate must be positive');
  const read = sampleReader(fmt.format, fmt.bits);
  const frameBytes = (fmt.bits / 8) * fmt.channels;
  const frames = Math.floor(data.length / frameBytes);
  const channels = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < fmt.channels; c++) {
      const ch = channels[c];
      if (ch !== undefined) ch[f] = read(view, data.offset + f * frameBytes + c * (fmt.bits / 8));
    }
  }
  return { sampleRate: fmt.sampleRate, bitsPerSample: fmt.bits, channels };
}

function sampleReader(format: number, bits: number): (view: DataView, at: number) => number {
  if (format === FORMAT_PCM) {
    switch (bits) {
      case 8:
        return (v, at) => (v.getUint8(at) - 128) / 128;
      case 16:
        return (v, at) => v.getInt16(at, true) / 0x8000;
      case 24:
        return (v, at) => {
          const u = v.getUint8(at) | (v.getUint8(at + 1) << 8) | (v.getUint8(at + 2) << 16);
          return ((u << 8) >> 8) / 0x800000;
        };
      case 32:
        return (v, at) => v.getInt32(at, true) / 0x80000000;
    }
  }
  if (format === FORMAT_FLOAT) {
    if (bits === 32) return (v, at) => v.getFloat32(at, true);
    if (bits === 64) return (v, at) => v.getFloat64(at, true);
  }
  throw invalid(`unsupported WAV encoding: format ${format}, ${bits} bits per sample`);
}

/** Downmixes to mono and resamples to 16 kHz. */
export function toSpeechAudio(wav: DecodedWav): SpeechAudio {
  const mono = downmix(wav.channels);
  const resampled = resampleLinear(mono, wav.sampleRate, TARGET_SAMPLE_RATE);
  return {
    samples: floatToPcm16(resampled),
    sampleRate: TARGET_SAMPLE_RATE,
    source: { sampleRate: wav.sampleRate, channels: wav.channels.length, bitsPerSample: wav.bitsPerSample },
  };
}

export async function readWavFile(path: string): Promise<SpeechAudio> {
  return toSpeechAudio(decodeWav(await readFile(path)));
}

/** A 16-bit PCM WAV file of interleaved samples (used by tests and to save generated speech). */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const dataBytes = samples.length * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const writeAscii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  writeAscii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  writeAscii(8, 'WAVE');
  writeAscii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  writeAscii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i] ?? 0, true);
  return bytes;
}
