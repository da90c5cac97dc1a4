/**
 * Host CPU steal over a bench run: the share of this VM's CPU time the hypervisor gave to other guests. On a
 * shared 2-core VM the latency tails move with it from one run to the next while our own code stays the same, so
 * every report carries it (`env.cpu_steal_pct`) to tell a noisy run from a regression. Linux only (/proc/stat);
 * elsewhere the figure is absent.
 */
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  /** All jiffies of the aggregate `cpu` line. */
  total: number;
  steal: number;
}

/** Parses the aggregate line of /proc/stat: `cpu user nice system idle iowait irq softirq steal guest guest_nice`. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  // guest and guest_nice are already counted in user and nice.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, steal: fields[7] as number };
}

/** Steal between two readings, in percent of all CPU time; undefined when nothing elapsed. */
export function stealPercent(before: CpuTimes, after: CpuTimes): number | undefined {
  const total = after.total - before.total;
  return total > 0 ? (100 * (after.steal - before.steal)) / total : undefined;
}

function readCpuTimes(): CpuTimes | undefined {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Starts measuring; `stop()` returns the steal percentage since, or undefined where it cannot be read. */
export function startStealMeter(): { stop(): number | undefined } {
  const before = readCpuTimes();
  return {
    stop() {
      const after = readCpuTimes();
      return before && after ? stealPercent(before, after) : undefined;
    },
  };
}
