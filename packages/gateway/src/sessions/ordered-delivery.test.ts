import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OrderedDelivery, type EmitReason } from './ordered-delivery.js';
import { ManualTimers } from '../time/manual-timers.js';

const GAP_MS = 5000;

function setup() {
  const timers = new ManualTimers();
  const out: { index: number; payload: string; how: EmitReason }[] = [];
  const od = new OrderedDelivery<string>(
    {
      gapMs: GAP_MS,
      emit: (index, payload, how) => out.push({ index, payload, how }),
      gapPayload: (index) => `gap:${index}`,
    },
    timers,
  );
  return { timers, out, od };
}

describe('ordered delivery', () => {
  it('sends results in index order whatever order they arrive in', () => {
    const { out, od } = setup();
    for (const i of [0, 1, 2, 3]) od.accept(i);
    expect(od.resolve(2, 'r2')).toBe('queued');
    expect(od.resolve(1, 'r1')).toBe('queued');
    expect(out).toEqual([]);
    expect(od.resolve(0, 'r0')).toBe('emitted');
    expect(out.map((o) => o.payload)).toEqual(['r0', 'r1', 'r2']);
    expect(od.resolve(3, 'r3')).toBe('emitted');
    expect(out.map((o) => o.index)).toEqual([0, 1, 2, 3]);
    expect(od.outstanding()).toEqual([]);
  });

  it('an unresolved index with nothing waiting behind it is not a gap', () => {
    const { timers, out, od } = setup();
    od.accept(0);
    timers.advance(GAP_MS * 10);
    expect(out).toEqual([]);
    expect(od.outstanding()).toEqual([0]);
  });

  it('resolves a gap older than gap_ms and lets the held-back results out', () => {
    const { timers, out, od } = setup();
    for (const i of [0, 1, 2]) od.accept(i);
    od.resolve(1, 'r1');
    timers.advance(GAP_MS - 1);
    expect(out).toEqual([]);
    timers.advance(1);
    expect(out).toEqual([
      { index: 0, payload: 'gap:0', how: 'gap' },
      { index: 1, payload: 'r1', how: 'resolved' },
    ]);
    // the late real result for 0 changes nothing
    expect(od.resolve(0, 'r0')).toBe('late');
    expect(od.resolve(1, 'again')).toBe('late');
    expect(out).toHaveLength(2);
  });

  it('the gap clock starts when a later result starts waiting, not at accept', () => {
    const { timers, out, od } = setup();
    for (const i of [0, 1]) od.accept(i);
    timers.advance(GAP_MS * 3);
    od.resolve(1, 'r1');
    timers.advance(GAP_MS - 1);
    expect(out).toEqual([]);
    timers.advance(1);
    expect(out.map((o) => o.how)).toEqual(['gap', 'resolved']);
  });

  it('duplicates, strangers and re-accepts are refused', () => {
    const { out, od } = setup();
    expect(od.accept(0)).toBe(true);
    expect(od.accept(0)).toBe(false);
    od.accept(1);
    expect(od.resolve(1, 'a')).toBe('queued');
    expect(od.resolve(1, 'b')).toBe('duplicate');
    expect(od.resolve(7, 'x')).toBe('unknown');
    od.resolve(0, 'r0');
    expect(od.accept(0)).toBe(false);
    expect(out.map((o) => o.payload)).toEqual(['r0', 'a']);
  });

  it('drain sends what is resolved and closes the rest with the given payload', () => {
    const { timers, out, od } = setup();
    for (const i of [0, 1, 2]) od.accept(i);
    od.resolve(2, 'r2');
    od.drain((i) => `closed:${i}`);
    expect(out).toEqual([
      { index: 0, payload: 'closed:0', how: 'drain' },
      { index: 1, payload: 'closed:1', how: 'drain' },
      { index: 2, payload: 'r2', how: 'resolved' },
    ]);
    expect(od.accept(3)).toBe(false);
    expect(timers.pendingCount).toBe(0);
  });

  it('indexes that were never accepted are not waited for', () => {
    const { out, od } = setup();
    od.accept(0);
    od.accept(5);
    od.resolve(5, 'r5');
    od.resolve(0, 'r0');
    expect(out.map((o) => o.index)).toEqual([0, 5]);
  });

  /**
   * Random scenarios: utterances accepted in order, each resolved zero or more times (duplicates), at random
   * times, with time passing in between. After everything settles, every accepted index went out exactly once,
   * in increasing order, and real resolutions win unless a gap was waited out first.
   */
  it('every accepted index resolves exactly once, in order (property)', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('accept' as const) }),
      fc.record({ kind: fc.constant('resolve' as const), pick: fc.nat(), dup: fc.boolean() }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: GAP_MS * 2 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.boolean(), (steps, settleByDrain) => {
        const { timers, out, od } = setup();
        let next = 0;
        const resolvedReal = new Set<number>();
        for (const s of steps) {
          if (s.kind === 'accept') {
            expect(od.accept(next)).toBe(true);
            next++;
          } else if (s.kind === 'resolve' && next > 0) {
            const index = s.pick % next;
            const outcome = od.resolve(index, `r${index}`);
            if (outcome === 'emitted' || outcome === 'queued') {
              expect(resolvedReal.has(index)).toBe(false);
              resolvedReal.add(index);
            }
            if (s.dup) expect(['duplicate', 'late']).toContain(od.resolve(index, `dup${index}`));
          } else if (s.kind === 'wait') {
            timers.advance(s.ms);
          }
        }
        if (settleByDrain) od.drain((i) => `drained${i}`);
        else {
          for (let i = 0; i < next; i++) od.resolve(i, `r${i}`);
          timers.advance(GAP_MS);
        }
        const indexes = out.map((o) => o.index);
        expect(indexes).toEqual([...Array(next).keys()]);
        for (const o of out) {
          if (o.how === 'resolved') expect(o.payload).toBe(`r${o.index}`);
          if (o.how === 'gap') expect(o.payload).toBe(`gap:${o.index}`);
          if (o.how === 'drain') expect(o.payload).toBe(`drained${o.index}`);
          // a gap is only declared for an index nobody resolved in time
          if (o.how === 'gap') expect(resolvedReal.has(o.index)).toBe(false);
        }
        expect(od.outstanding()).toEqual([]);
        expect(timers.pendingCount).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });
});
