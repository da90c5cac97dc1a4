import { describe, expect, it } from 'vitest';
import { downmix, resampleLinear } from './resample.js';

describe('downmix', () => {
  it('averages channels sample by sample', () => {
    expect([...downmix([Float32Array.from([1, 0.5]), Float32Array.from([0, -0.5])])]).toEqual([0.5, 0]);
  });
});

describe('resampleLinear', () => {
  it('keeps a ramp a ramp when downsampling 48 kHz to 16 kHz', () => {
    const ramp = Float32Array.from({ length: 48 }, (_, i) => i / 48);
    const out = resampleLinear(ramp, 48000, 16000);
    expect(out.length).toBe(16);
    out.forEach((v, i) => expect(v).toBeCloseTo((i * 3) / 48, 6));
  });

  it('returns the input when the rates match', () => {
    const x = Float32Array.from([1, 2]);
    expect(resampleLinear(x, 16000, 16000)).toBe(x);
  });
});
