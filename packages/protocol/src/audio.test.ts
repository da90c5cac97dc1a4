import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  audioDurationMs,
  base64DecodedLength,
  decodeBase64Audio,
  encodeOpusPlanA,
  isCanonicalBase64,
  opusPlanADurationMs,
  opusPlanAPackets,
  parseOpusPlanA,
  pcm16DurationMs,
} from './audio.js';
import { ProtocolError } from './errors.js';

const packet = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);

describe('Opus Plan A framing', () => {
  it('counts packets and derives 20 ms each', () => {
    const bytes = encodeOpusPlanA([packet(3), packet(60), packet(1)]);
    expect(Array.from(bytes.subarray(0, 5))).toEqual([3, 0, 0xab, 0xab, 0xab]);
    expect(parseOpusPlanA(bytes)).toEqual({ valid: true, packets: 3, durationMs: 60 });
    expect(opusPlanADurationMs(bytes)).toBe(60);
    expect(audioDurationMs('opus', bytes)).toBe(60);
  });

  it('reads little-endian lengths above 255', () => {
    const bytes = encodeOpusPlanA([packet(300)]);
    expect(Array.from(bytes.subarray(0, 2))).toEqual([300 & 0xff, 300 >> 8]);
    expect(parseOpusPlanA(bytes)).toMatchObject({ valid: true, packets: 1 });
  });

  it('treats empty input as valid and empty', () => {
    expect(parseOpusPlanA(new Uint8Array(0))).toEqual({ valid: true, packets: 0, durationMs: 0 });
  });

  it('rejects cut-off headers, cut-off packets, empty packets and oversize packets', () => {
    const good = encodeOpusPlanA([packet(4), packet(4)]);
    expect(parseOpusPlanA(good.subarray(0, good.length - 1))).toEqual({
      valid: false,
      packets: 1,
      durationMs: 20,
      errorOffset: 6,
    });
    expect(parseOpusPlanA(Uint8Array.of(...good, 7))).toMatchObject({
      valid: false,
      packets: 2,
      errorOffset: 12,
    });
    expect(parseOpusPlanA(Uint8Array.of(0, 0, 1, 0, 9))).toMatchObject({
      valid: false,
      packets: 0,
      errorOffset: 0,
    });
    expect(parseOpusPlanA(good, { maxPacketBytes: 3 })).toMatchObject({ valid: false, packets: 0 });
    expect(parseOpusPlanA(good, { maxPacketBytes: 4 })).toMatchObject({ valid: true, packets: 2 });
  });

  it('concatenation of valid streams is valid with the summed count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.uint8Array({ minLength: 1, maxLength: 80 }), { maxLength: 6 }), {
          maxLength: 4,
        }),
        (chunks) => {
          const streams = chunks.map((packets) => encodeOpusPlanA(packets));
          const joined = Buffer.concat(streams);
          const total = chunks.reduce((n, c) => n + c.length, 0);
          expect(parseOpusPlanA(joined)).toEqual({ valid: true, packets: total, durationMs: total * 20 });
          expect([...opusPlanAPackets(joined)].map((p) => Array.from(p))).toEqual(
            chunks.flat().map((p) => Array.from(p)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const info = parseOpusPlanA(bytes);
        expect(info.durationMs).toBe(info.packets * 20);
        expect([...opusPlanAPackets(bytes)].length).toBe(info.packets);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses to frame packets it cannot represent', () => {
    expect(() => encodeOpusPlanA([new Uint8Array(0)])).toThrow(ProtocolError);
    expect(() => encodeOpusPlanA([new Uint8Array(0x10000)])).toThrow(/65535/);
  });
});

describe('pcm16 duration', () => {
  it('is bytes / 2 / rate, whole samples only', () => {
    expect(pcm16DurationMs(32_000, 16_000)).toBe(1000);
    expect(pcm16DurationMs(32_001, 16_000)).toBe(1000);
    expect(pcm16DurationMs(640)).toBe(20);
    expect(pcm16DurationMs(96_000, 48_000, 1)).toBe(1000);
    expect(pcm16DurationMs(64_000, 16_000, 2)).toBe(1000);
    expect(audioDurationMs('pcm16', new Uint8Array(3200), 16_000)).toBe(100);
  });
  it('is 0 for nonsense input rather than NaN or Infinity', () => {
    expect(pcm16DurationMs(100, 0)).toBe(0);
    expect(pcm16DurationMs(-5, 16_000)).toBe(0);
    expect(pcm16DurationMs(Number.NaN, 16_000)).toBe(0);
  });
});

describe('base64 helpers', () => {
  it('predicts the decoded length without decoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64');
        expect(base64DecodedLength(b64)).toBe(bytes.length);
        expect(base64DecodedLength(b64.replace(/=+$/, ''))).toBe(bytes.length);
        expect(base64DecodedLength(Buffer.from(bytes).toString('base64url'))).toBe(bytes.length);
        expect(isCanonicalBase64(b64)).toBe(true);
        expect(Array.from(decodeBase64Audio(b64))).toEqual(Array.from(bytes));
      }),
      { numRuns: 500 },
    );
  });
  it('recognises non-canonical base64', () => {
    for (const s of ['A', 'AB', 'ABC', 'AB=C', 'A===', 'AB C', 'AB-_', 'ABCDE===', 'é123']) {
      expect(isCanonicalBase64(s)).toBe(false);
    }
    for (const s of ['', 'AAAA', 'AA==', 'AAA=', 'ab+/']) expect(isCanonicalBase64(s)).toBe(true);
  });
});
