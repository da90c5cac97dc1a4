import { describe, expect, it } from 'vitest';
import type { MissingResult } from '@lingua/protocol';
import { UtteranceTracker } from './utterance-tracker.js';

const missing = (sessionId: string, index: number): MissingResult => ({
  type: 'missing_result',
  session_id: sessionId,
  utterance_index: index,
  reason: 'gap_timeout',
  created_at_ms: 0,
});

describe('UtteranceTracker', () => {
  it('expects the utterances the gateway numbered beyond our own cuts', () => {
    const t = new UtteranceTracker();
    expect(t.finalized('s', 10)).toBe(0);
    // The gateway cut a long utterance twice: it mentions index 1 although we finalized once.
    t.seen('s', 1, 20);
    expect(t.expectedCount).toBe(2);
    t.resolve(missing('s', 0), 30);
    expect(t.unresolved()).toEqual([{ sessionId: 's', index: 1 }]);
    t.resolve(missing('s', 1), 40);
    expect(t.unresolved()).toEqual([]);
    expect(t.get('s', 0)).toMatchObject({ finalizedAt: 10, resolvedAt: 30 });
  });

  it('keeps sessions apart and counts repeated resolutions as duplicates', () => {
    const t = new UtteranceTracker();
    t.finalized('a', 0);
    t.finalized('b', 0);
    expect(t.resolve(missing('a', 0), 1)).toBe(true);
    expect(t.resolve(missing('a', 0), 2)).toBe(false);
    expect(t).toMatchObject({ resolvedCount: 1, duplicates: 1, expectedCount: 2 });
    expect(t.unresolved()).toEqual([{ sessionId: 'b', index: 0 }]);
  });
});
