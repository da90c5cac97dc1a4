import { describe, expect, it } from 'vitest';
import { parseOpusPlanA } from '@lingua/protocol';
import { chunkUtterance } from './chunker.js';
import { bytesToPcm16 } from './pcm.js';

const oneSecond = Int16Array.from({ length: 16000 }, (_, i) => i % 1000);

describe('chunkUtterance', () => {
  it('cuts pcm16 into 256 ms slices (8192 bytes) with a shorter tail', () => {
    const chunks = chunkUtterance(oneSecond, { format: 'pcm16', sampleRate: 16000 });
    expect(chunks.map((c) => c.byteLength)).toEqual([8192, 8192, 8192, 7424]);
    expect(bytesToPcm16(chunks[1]!)[0]).toBe(4096 % 1000);
  });

  it('wraps 20 ms frames in Plan A framing, whole frames per 256 ms chunk', () => {
    const chunks = chunkUtterance(oneSecond, { format: 'opus-plan-a', sampleRate: 16000 });
    const infos = chunks.map((c) => parseOpusPlanA(c));
    expect(infos.every((i) => i.valid)).toBe(true);
    // Boundaries at 256, 512, 768 ms hold frames ending by then: 12, 25, 38 — then the remaining 12 frames.
    expect(infos.map((i) => i.packets)).toEqual([12, 13, 13, 12]);
    // Concatenated chunks form one valid stream whose packets are the original audio, 640 bytes each.
    const all = Buffer.concat(chunks);
    expect(parseOpusPlanA(all)).toMatchObject({ valid: true, packets: 50, durationMs: 1000 });
    expect(bytesToPcm16(all.subarray(2, 642))).toEqual(oneSecond.subarray(0, 320));
  });

  it('zero-pads the last Plan A frame', () => {
    const chunks = chunkUtterance(new Int16Array(330).fill(5), { format: 'opus-plan-a', sampleRate: 16000 });
    const info = parseOpusPlanA(chunks[0]!);
    expect(info.packets).toBe(2);
    expect(chunks[0]!.byteLength).toBe(2 * (2 + 640));
  });
});
