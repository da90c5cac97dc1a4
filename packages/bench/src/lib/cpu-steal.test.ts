import { describe, expect, it } from 'vitest';
import { parseProcStat, startStealMeter, stealPercent } from './cpu-steal.js';

const STAT = (steal: number, idle: number) =>
  `cpu  1000 10 300 ${idle} 20 0 70 ${steal} 50 0\ncpu0 500 5 150 ${idle / 2} 10 0 35 ${steal / 2} 25 0\nintr 1 2 3\n`;

describe('cpu steal', () => {
  it('parses the aggregate line and leaves guest time out of the total', () => {
    expect(parseProcStat(STAT(100, 8500))).toEqual({
      total: 1000 + 10 + 300 + 8500 + 20 + 0 + 70 + 100,
      steal: 100,
    });
  });

  it('rejects text without a usable cpu line', () => {
    expect(parseProcStat('intr 1 2 3\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2 x 4 5 6 7 8\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2 3\n')).toBeUndefined();
  });

  it('reports steal as a share of the CPU time between two readings', () => {
    const a = parseProcStat(STAT(100, 8500));
    const b = parseProcStat(STAT(150, 8950)); // 50 of 500 new jiffies stolen
    if (!a || !b) throw new Error('fixture did not parse');
    expect(stealPercent(a, b)).toBeCloseTo(10, 10);
    expect(stealPercent(a, a)).toBeUndefined();
  });

  it('measures this machine where /proc/stat exists', () => {
    const pct = startStealMeter().stop();
    if (process.platform === 'linux') expect(pct === undefined || (pct >= 0 && pct <= 100)).toBe(true);
    else expect(pct).toBeUndefined();
  });
});
