import { describe, expect, it } from 'vitest';
import { countCalls, countScriptCalls, diffCommandStats, parseCommandStats } from './commandstats.js';

const before = [
  '# Commandstats',
  'cmdstat_evalsha:calls=10,usec=100,usec_per_call=10.00,rejected_calls=0,failed_calls=0',
  'cmdstat_info:calls=3,usec=30,usec_per_call=10.00,rejected_calls=0,failed_calls=0',
  'cmdstat_client|setname:calls=1,usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
  '',
].join('\r\n');

const after = [
  '# Commandstats',
  'cmdstat_evalsha:calls=30,usec=300,usec_per_call=10.00,rejected_calls=0,failed_calls=2',
  'cmdstat_info:calls=4,usec=40,usec_per_call=10.00,rejected_calls=0,failed_calls=0',
  'cmdstat_client|setname:calls=2,usec=2,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
  'cmdstat_spublish:calls=5,usec=25,usec_per_call=5.00,rejected_calls=1,failed_calls=0',
  '',
].join('\r\n');

describe('commandstats', () => {
  it('parses calls, usec and failures per command', () => {
    const stats = parseCommandStats(after);
    expect(stats.get('evalsha')).toEqual({ calls: 30, usec: 300, failed: 2 });
    expect(stats.get('spublish')).toEqual({ calls: 5, usec: 25, failed: 1 });
    expect(stats.get('client|setname')?.calls).toBe(2);
  });

  it('diffs two snapshots and counts work without bookkeeping commands', () => {
    const delta = diffCommandStats(parseCommandStats(before), parseCommandStats(after));
    expect(delta.get('evalsha')).toEqual({ calls: 20, usec: 200, failed: 2 });
    expect(countScriptCalls(delta)).toBe(20);
    expect(countCalls(delta)).toBe(25);
    expect(countCalls(delta, ['info'])).toBe(1);
  });

  it('treats a counter that went down as restarted, never negative', () => {
    const delta = diffCommandStats(parseCommandStats(after), parseCommandStats(before));
    expect(delta.get('evalsha')).toEqual({ calls: 10, usec: 100, failed: 0 });
  });
});
