import { describe, expect, it } from 'vitest';
import { percentile, succeeded, summarize, type SessionReport } from './stats.js';
import { renderProgress } from './progress.js';

const report = (r: Partial<SessionReport>): SessionReport => ({
  connected: true,
  sessionIds: ['s'],
  sent: 2,
  resolved: 2,
  results: 2,
  missing: 0,
  unresolved: 0,
  duplicates: 0,
  errorCodes: [],
  latenciesMs: [],
  reconnects: 0,
  resumeFailures: 0,
  ...r,
});

describe('percentile', () => {
  it('uses nearest rank', () => {
    const v = [50, 10, 40, 20, 30];
    expect(percentile(v, 50)).toBe(30);
    expect(percentile(v, 99)).toBe(50);
    expect(percentile(v, 1)).toBe(10);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('summarize', () => {
  it('adds sessions up and fails on unresolved utterances or failed sessions', () => {
    const s = summarize(
      [
        report({ latenciesMs: [100, 300], errorCodes: ['NO_AVAILABLE_NODE'] }),
        report({ latenciesMs: [200], unresolved: 1, resolved: 1, results: 1 }),
      ],
      1234.4,
    );
    expect(s).toMatchObject({
      sessions: 2,
      utterances_sent: 4,
      resolved: 3,
      unresolved: 1,
      errors: 1,
      error_codes: { NO_AVAILABLE_NODE: 1 },
      latency_ms: { p50: 200, p99: 300, max: 300 },
      duration_ms: 1234,
    });
    expect(succeeded(s)).toBe(false);
    expect(succeeded(summarize([report({})], 1))).toBe(true);
    expect(succeeded(summarize([report({}), report({ connected: false, sent: 0 })], 1))).toBe(false);
  });
});

describe('renderProgress', () => {
  it('fills the bar by resolved utterances', () => {
    expect(renderProgress({ sessions: 2, sessionsUp: 1, sent: 3, resolved: 2, expected: 4 }, 10)).toBe(
      '[#####.....] 2/4 resolved · 3 sent · 1/2 sessions',
    );
  });
});
