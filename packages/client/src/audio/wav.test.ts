import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, readWavFile, toSpeechAudio } from './wav.js';

/** A WAV file with an arbitrary fmt chunk and data bytes, plus optional extra chunks before `data`. */
function wavBytes(
  fmt: { format: number; channels: number; rate: number; bits: number; extensible?: number },
  data: Uint8Array,
  extra: Uint8Array[] = [],
): Uint8Array {
  const fmtSize = fmt.extensible === undefined ? 16 : 40;
  const extraBytes = extra.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(12 + 8 + fmtSize + extraBytes + 8 + data.byteLength);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  v.setUint32(4, out.byteLength - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, fmt.extensible === undefined ? fmt.format : 0xfffe, true);
  v.setUint16(22, fmt.channels, true);
  v.setUint32(24, fmt.rate, true);
  v.setUint32(28, (fmt.rate * fmt.channels * fmt.bits) / 8, true);
  v.setUint16(32, (fmt.channels * fmt.bits) / 8, true);
  v.setUint16(34, fmt.bits, true);
  if (fmt.extensible !== undefined) {
    v.setUint16(36, 22, true);
    v.setUint16(44, fmt.extensible, true); // sub-format GUID starts with the format tag
  }
  let at = 20 + fmtSize;
  for (const c of extra) {
    out.set(c, at);
    at += c.byteLength;
  }
  ascii(at, 'data');
  v.setUint32(at + 4, data.byteLength, true);
  out.set(data, at + 8);
  return out;
}

function bytesOf(write: (v: DataView) => void, length: number): Uint8Array {
  const b = new Uint8Array(length);
  write(new DataView(b.buffer));
  return b;
}

describe('decodeWav', () => {
  it('round-trips 16-bit mono written by encodeWav', () => {
    const samples = Int16Array.from([0, 1000, -1000, 32767, -32768]);
    const wav = decodeWav(encodeWav(samples, 16000));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels).toHaveLength(1);
    expect(toSpeechAudio(wav).samples).toEqual(samples);
  });

  it('reads 8-bit unsigned, 24-bit, 32-bit int and 32-bit float samples', () => {
    const u8 = decodeWav(
      wavBytes({ format: 1, channels: 1, rate: 8000, bits: 8 }, Uint8Array.from([128, 255, 0])),
    );
    expect([...u8.channels[0]!]).toEqual([0, 127 / 128, -1]);
    const s24 = decodeWav(
      wavBytes(
        { format: 1, channels: 1, rate: 8000, bits: 24 },
        Uint8Array.from([0, 0, 0x40, 0xff, 0xff, 0xff]),
      ),
    );
    expect([...s24.channels[0]!]).toEqual([0.5, -1 / 0x800000]);
    const s32 = decodeWav(
      wavBytes(
        { format: 1, channels: 1, rate: 8000, bits: 32 },
        bytesOf((v) => v.setInt32(0, -0x40000000, true), 4),
      ),
    );
    expect(s32.channels[0]![0]).toBe(-0.5);
    const f32 = decodeWav(
      wavBytes(
        { format: 3, channels: 1, rate: 8000, bits: 32 },
        bytesOf((v) => v.setFloat32(0, 0.25, true), 4),
      ),
    );
    expect(f32.channels[0]![0]).toBe(0.25);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE and skips unknown (odd-sized) chunks', () => {
    const list = Uint8Array.from([...'LIST'].map((c) => c.charCodeAt(0)).concat([3, 0, 0, 0, 1, 2, 3, 0]));
    const wav = decodeWav(
      wavBytes(
        { format: 1, channels: 2, rate: 48000, bits: 16, extensible: 1 },
        bytesOf((v) => {
          v.setInt16(0, 16384, true);
          v.setInt16(2, -16384, true);
        }, 4),
        [list],
      ),
    );
    expect(wav.channels.map((c) => c[0])).toEqual([0.5, -0.5]);
  });

  it.each([
    ['not RIFF', new Uint8Array(44)],
    ['no data chunk', encodeWav(new Int16Array(4), 16000).subarray(0, 36)],
    ['unsupported A-law', wavBytes({ format: 6, channels: 1, rate: 8000, bits: 8 }, new Uint8Array(4))],
  ])('rejects %s with INVALID_WAV', (_name, bytes) => {
    expect(() => decodeWav(bytes)).toThrow(expect.objectContaining({ code: 'INVALID_WAV' }));
  });
});

describe('toSpeechAudio', () => {
  it('downmixes stereo and resamples 44.1 kHz to 16 kHz mono', () => {
    const frames = 44100; // 1 s
    const stereo = new Int16Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      stereo[2 * i] = 8000;
      stereo[2 * i + 1] = 4000;
    }
    const speech = toSpeechAudio(decodeWav(encodeWav(stereo, 44100, 2)));
    expect(speech.sampleRate).toBe(16000);
    expect(speech.source).toEqual({ sampleRate: 44100, channels: 2, bitsPerSample: 16 });
    expect(speech.samples.length).toBe(16000);
    // The average of the channels survives downmixing and interpolation (±1 for float rounding).
    expect(Math.abs(speech.samples[1234]! - 6000)).toBeLessThanOrEqual(1);
  });

  it('upsamples 8 kHz by interpolating between neighbours', () => {
    const speech = toSpeechAudio(decodeWav(encodeWav(Int16Array.from([0, 1000, 2000, 3000]), 8000)));
    expect([...speech.samples]).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3000]);
  });
});

describe('readWavFile', () => {
  it('reads a file from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingua-wav-'));
    try {
      const path = join(dir, 'a.wav');
      await writeFile(path, encodeWav(Int16Array.from([1, 2, 3]), 16000));
      expect([...(await readWavFile(path)).samples]).toEqual([1, 2, 3]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
