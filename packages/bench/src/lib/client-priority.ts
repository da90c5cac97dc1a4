/**
 * The load generator shares the cores with the gateway and Redis it measures. Once they are started (at normal
 * priority), the simulator steps aside so their figures are not its scheduling noise:
 * - `idle` (default): SCHED_IDLE for every thread of this process (util-linux `chrt`). A normal task that wakes
 *   preempts an idle-class task at once. Niceness alone does not do that on this kernel (EEVDF): nice 19 only
 *   shrinks the simulator's share, a waking gateway or Redis still waits for its slice to end, and those
 *   1–5 ms runqueue waits were the heartbeat/register/dispatch p99 on a 2-core machine.
 * - `nice`: setpriority to `--client-nice` (default 10), the fallback where `chrt` is missing or refused.
 * - `off` (or `--client-nice 0`): leave priorities alone.
 */
import { execFileSync } from 'node:child_process';
import { setPriority } from 'node:os';
import { BenchError } from './errors.js';

/** Applies the flags' choice to this process; returns what was applied (reported in the JSON env). */
export function stepAsideForServers(flags: Readonly<Record<string, string | undefined>>): string {
  const niceRaw = flags['client-nice'];
  const mode = flags['client-sched'] ?? (niceRaw === undefined ? 'idle' : 'nice');
  if (mode !== 'idle' && mode !== 'nice' && mode !== 'off') {
    throw new BenchError('BAD_ARGUMENT', `--client-sched must be idle, nice or off, got "${mode}"`);
  }
  const nice = niceRaw === undefined ? 10 : Number(niceRaw);
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) {
    throw new BenchError('BAD_ARGUMENT', `--client-nice must be an integer 0..19, got "${niceRaw}"`);
  }
  if (mode === 'off' || (mode === 'nice' && nice === 0)) return 'normal';
  if (mode === 'idle') {
    try {
      execFileSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(process.pid)], { stdio: 'ignore' });
      return 'sched_idle';
    } catch {
      // No chrt, or not allowed: the weaker fallback still helps a little.
    }
  }
  setPriority(nice);
  return `nice ${nice}`;
}

/**
 * Puts a process (default: this one) back to normal scheduling: the relays forked by the cluster scenario, and the
 * simulated nodes, which stand for machines of their own and must not queue behind the servers they measure.
 */
export function normalPriority(pid: number = process.pid): void {
  try {
    execFileSync('chrt', ['--all-tasks', '--other', '--pid', '0', String(pid)], { stdio: 'ignore' });
  } catch {
    // not SCHED_IDLE, or chrt missing
  }
  try {
    setPriority(pid, 0);
  } catch {
    // raising priority back may be refused to a non-root user: the process then runs niced
  }
}
