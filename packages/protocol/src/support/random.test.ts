import { describe, expect, it } from 'vitest';
import { between, seededRandom } from './random.js';

describe('seededRandom', () => {
  it('replays the same sequence from the same seed and another from another seed', () => {
    const draw = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 5 }, () => r());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    // mulberry32's first draw for seed 1: recorded seeds (--seed) keep meaning the same audio and latencies.
    expect(seededRandom(1)()).toBe(0.6270739405881613);
  });

  it('stays in [0, 1) and between() scales into [min, max)', () => {
    const r = seededRandom(1);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const y = between(r, 30, 140);
      expect(y).toBeGreaterThanOrEqual(30);
      expect(y).toBeLessThan(140);
    }
  });
});
