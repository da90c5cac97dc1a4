import { describe, expect, it } from 'vitest';
import { generateSpeechLike, rms } from './speech-generator.js';

describe('generateSpeechLike', () => {
  it('has the requested length and is reproducible from its seed', () => {
    const a = generateSpeechLike({ durationMs: 1500, seed: 7 });
    expect(a.length).toBe(24000);
    expect(generateSpeechLike({ durationMs: 1500, seed: 7 })).toEqual(a);
    expect(generateSpeechLike({ durationMs: 1500, seed: 8 })).not.toEqual(a);
  });

  it('alternates bursts of energy with pauses, framed by silence', () => {
    const s = generateSpeechLike({ durationMs: 3000, seed: 3, edgeSilenceMs: 200 });
    const win = 320; // 20 ms
    const levels: number[] = [];
    for (let at = 0; at + win <= s.length; at += win) levels.push(rms(s, at, at + win));
    expect(levels.slice(0, 9).every((l) => l === 0)).toBe(true); // first 180 ms
    expect(levels.slice(-9).every((l) => l === 0)).toBe(true); // last 180 ms
    const speech = levels.slice(10, -10);
    expect(speech.filter((l) => l > 0.1).length).toBeGreaterThan(speech.length / 3);
    expect(speech.filter((l) => l < 0.02).length).toBeGreaterThan(3);
  });
});
