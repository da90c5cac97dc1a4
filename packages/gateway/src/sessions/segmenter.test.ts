import { describe, expect, it } from 'vitest';
import { Segmenter, type SegmenterOptions, type Utterance } from './segmenter.js';
import { ManualTimers } from '../time/manual-timers.js';

const OPTS: SegmenterOptions = {
  pauseMs: 3000,
  maxUtteranceMs: 10_000,
  maxBufferBytes: 1000,
  finalGraceMs: 200,
  hangoverAutoMs: 150,
  paddingAutoMs: 220,
  paddingManualMs: 280,
  newTurnId: (() => {
    let n = 0;
    return () => `turn-${++n}`;
  })(),
};

function setup(overrides: Partial<SegmenterOptions> = {}) {
  const timers = new ManualTimers();
  const cuts: Utterance[] = [];
  let turns = 0;
  const seg = new Segmenter({ ...OPTS, newTurnId: () => `turn-${++turns}`, ...overrides }, timers, (u) =>
    cuts.push(u),
  );
  const chunk = (fill: number, bytes = 10, durationMs = 256) => ({
    bytes: Buffer.alloc(bytes, fill),
    durationMs,
  });
  return { timers, cuts, seg, chunk };
}

describe('segmenter', () => {
  it('cuts on is_final after the grace and takes a trailing chunk the final frame overtook', () => {
    const { timers, cuts, seg, chunk } = setup();
    seg.push(chunk(1), false);
    timers.advance(256);
    seg.push({ bytes: Buffer.alloc(0), durationMs: 0 }, true);
    timers.advance(5);
    expect(cuts).toHaveLength(0);
    seg.push(chunk(2), false);
    // the one trailing chunk completes the utterance: no need to wait out the rest of the grace
    expect(cuts).toHaveLength(1);
    const u = cuts[0]!;
    expect(u.audio).toEqual(Buffer.concat([Buffer.alloc(10, 1), Buffer.alloc(10, 2)]));
    expect(u.chunkCount).toBe(2);
    expect(u.durationMs).toBe(512);
    expect(u.trigger).toBe('manual');
    expect(u.flags).toEqual({ isManualCut: true, isTimeoutTriggered: false, isMaxDurationTriggered: false });
    expect(u.paddingMs).toBe(280);
    expect(u.cutAt - u.firstChunkAt).toBe(256 + 5);
    // the silence timer went away with the cut: nothing else fires later
    timers.advance(10_000);
    expect(cuts).toHaveLength(1);
  });

  it('with no grace configured the final frame cuts at once, without a timer', () => {
    const { timers, cuts, seg, chunk } = setup({ finalGraceMs: 0 });
    seg.push(chunk(1), false);
    seg.push({ bytes: Buffer.alloc(0), durationMs: 0 }, true);
    expect(cuts.map((c) => c.trigger)).toEqual(['manual']);
    expect(timers.pendingCount).toBe(0);
  });

  it('a final chunk that carries audio keeps it in the utterance', () => {
    const { timers, cuts, seg, chunk } = setup();
    seg.push(chunk(7), true);
    timers.advance(200);
    expect(cuts.map((c) => c.audio.length)).toEqual([10]);
  });

  it('cuts after a pause longer than pause_ms plus the hangover, flagged as timeout', () => {
    const { timers, cuts, seg, chunk } = setup();
    seg.push(chunk(1), false);
    timers.advance(2000);
    seg.push(chunk(2), false); // restarts the silence timer
    timers.advance(3000 + 149);
    expect(cuts).toHaveLength(0);
    timers.advance(1);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]!.trigger).toBe('pause');
    expect(cuts[0]!.flags).toEqual({
      isManualCut: false,
      isTimeoutTriggered: true,
      isMaxDurationTriggered: false,
    });
    expect(cuts[0]!.paddingMs).toBe(220);
    expect(cuts[0]!.chunkCount).toBe(2);
  });

  it('cuts at the max duration; consecutive max-duration cuts share a turn that a manual cut ends', () => {
    const { timers, cuts, seg, chunk } = setup({ maxUtteranceMs: 1000 });
    for (let i = 0; i < 4; i++) {
      seg.push(chunk(i, 10, 250), false);
      timers.advance(100);
    }
    timers.advance(50);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]!.trigger).toBe('max_duration');
    expect(cuts[0]!.flags.isMaxDurationTriggered).toBe(true);
    expect(cuts[0]!.durationMs).toBe(1000);
    for (let i = 0; i < 4; i++) {
      seg.push(chunk(i, 10, 250), false);
      timers.advance(100);
    }
    timers.advance(50);
    expect(cuts).toHaveLength(2);
    seg.push(chunk(9, 10, 250), true);
    timers.advance(200);
    expect(cuts).toHaveLength(3);
    expect(cuts.map((c) => c.trigger)).toEqual(['max_duration', 'max_duration', 'manual']);
    expect(new Set(cuts.map((c) => c.turnId)).size).toBe(1);
    // the next utterance opens a new turn
    seg.push(chunk(1), true);
    timers.advance(200);
    expect(cuts[3]!.turnId).not.toBe(cuts[0]!.turnId);
  });

  it('a pause ends the turn too, even when nothing is buffered', () => {
    const { timers, cuts, seg, chunk } = setup({ maxUtteranceMs: 500 });
    seg.push(chunk(1, 10, 500), false);
    timers.advance(150);
    expect(cuts).toHaveLength(1);
    expect(seg.openTurnId).toBe(cuts[0]!.turnId);
    timers.advance(3000);
    expect(cuts).toHaveLength(1);
    expect(seg.openTurnId).toBeUndefined();
  });

  it('buffer overflow cuts what was accepted first, then refuses the chunk that does not fit', () => {
    const { timers, cuts, seg, chunk } = setup({ maxBufferBytes: 25 });
    expect(seg.push(chunk(1), false)).toEqual({ accepted: true });
    expect(seg.push(chunk(2), false)).toEqual({ accepted: true });
    expect(seg.push(chunk(3), false)).toEqual({ accepted: false, code: 'AUDIO_BUFFER_FULL' });
    expect(cuts).toHaveLength(1);
    expect(cuts[0]!.audio).toEqual(Buffer.concat([Buffer.alloc(10, 1), Buffer.alloc(10, 2)]));
    expect(cuts[0]!.trigger).toBe('buffer_full');
    expect(cuts[0]!.flags.isMaxDurationTriggered).toBe(true);
    expect(seg.bufferedBytes).toBe(0);
    // the session keeps working after the refusal
    expect(seg.push(chunk(4), true)).toEqual({ accepted: true });
    timers.advance(200);
    expect(cuts).toHaveLength(2);
    expect(cuts[1]!.turnId).toBe(cuts[0]!.turnId);
  });

  it('a single chunk larger than the buffer is refused and nothing is cut', () => {
    const { cuts, seg, chunk } = setup({ maxBufferBytes: 5 });
    expect(seg.push(chunk(1), false)).toEqual({ accepted: false, code: 'AUDIO_BUFFER_FULL' });
    expect(cuts).toHaveLength(0);
  });

  it('is_final with nothing buffered cuts nothing', () => {
    const { timers, cuts, seg } = setup();
    seg.push({ bytes: Buffer.alloc(0), durationMs: 0 }, true);
    timers.advance(10_000);
    expect(cuts).toHaveLength(0);
  });

  it('a manual end outranks a max-duration cut waiting for its hangover', () => {
    const { timers, cuts, seg, chunk } = setup({ maxUtteranceMs: 256 });
    seg.push(chunk(1), false);
    timers.advance(100);
    seg.push({ bytes: Buffer.alloc(0), durationMs: 0 }, true);
    timers.advance(199);
    expect(cuts).toHaveLength(0);
    timers.advance(1);
    expect(cuts.map((c) => c.trigger)).toEqual(['manual']);
  });

  it('close drops the buffer and silences every timer', () => {
    const { timers, cuts, seg, chunk } = setup();
    seg.push(chunk(1), false);
    seg.push(chunk(1), true);
    expect(seg.close()).toBe(20);
    timers.advance(60_000);
    expect(cuts).toHaveLength(0);
    expect(timers.pendingCount).toBe(0);
  });
  it('lets only one trailing chunk join after is_final; the next one starts the next utterance', () => {
    const { timers, cuts, seg, chunk } = setup();
    seg.push(chunk(1), false, 1);
    seg.push({ bytes: Buffer.alloc(0), durationMs: 0 }, true, 2);
    timers.advance(5);
    seg.push(chunk(2), false, 3);
    seg.push(chunk(3), false, 4);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]!.audio).toEqual(Buffer.concat([Buffer.alloc(10, 1), Buffer.alloc(10, 2)]));
    seg.push({ bytes: Buffer.alloc(0), durationMs: 0 }, true, 5);
    timers.advance(200);
    expect(cuts).toHaveLength(2);
    expect(cuts[1]!.audio).toEqual(Buffer.alloc(10, 3));
  });

  it('a chunk numbered well after the final frame is not the overtaken one: it opens the next utterance', () => {
    const { timers, cuts, seg, chunk } = setup();
    seg.push(chunk(1), false, 1);
    seg.push({ bytes: Buffer.alloc(0), durationMs: 0 }, true, 2);
    timers.advance(5);
    seg.push(chunk(2), false, 7);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]!.audio).toEqual(Buffer.alloc(10, 1));
    expect(cuts[0]!.flags.isManualCut).toBe(true);
    expect(seg.bufferedBytes).toBe(10);
  });
  it('without a trailing chunk the manual cut waits out the whole grace', () => {
    const { timers, cuts, seg, chunk } = setup();
    seg.push(chunk(1), false, 1);
    seg.push({ bytes: Buffer.alloc(0), durationMs: 0 }, true, 2);
    timers.advance(199);
    expect(cuts).toHaveLength(0);
    timers.advance(1);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]!.cutAt - cuts[0]!.firstChunkAt).toBe(200);
  });
});
