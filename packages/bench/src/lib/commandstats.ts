import type { Cluster, Redis } from 'ioredis';
import { infoFromMasters } from './redis-info.js';

export interface CommandCounters {
  calls: number;
  usec: number;
  failed: number;
}

/** Per-command counters summed over every master; names as Redis prints them (`evalsha`, `client|kill`). */
export type CommandStats = Map<string, CommandCounters>;

/**
 * Commands the measuring itself and connection setup cause (INFO for the snapshots, slot refreshes,
 * HELLO/CLIENT SETNAME of new connections); left out of totals so "commands per job" counts the work.
 */
export const BOOKKEEPING_COMMAND = /^(info|hello|select|ping|cluster\||command\||client\||config\|)/;

/** Script invocations (Lua and functions), read-only variants included. */
export const SCRIPT_COMMANDS: readonly string[] = [
  'eval',
  'evalsha',
  'eval_ro',
  'evalsha_ro',
  'fcall',
  'fcall_ro',
];

/** INFO commandstats of every master, summed per command. */
export async function snapshotCommandStats(client: Redis | Cluster): Promise<CommandStats> {
  const texts = await infoFromMasters(client, 'commandstats');
  const total: CommandStats = new Map();
  for (const text of texts) {
    for (const [name, counters] of parseCommandStats(text)) {
      const sum = total.get(name);
      if (sum) {
        sum.calls += counters.calls;
        sum.usec += counters.usec;
        sum.failed += counters.failed;
      } else {
        total.set(name, { ...counters });
      }
    }
  }
  return total;
}

/** Parses `cmdstat_<name>:calls=N,usec=N,usec_per_call=F,rejected_calls=N,failed_calls=N` lines. */
export function parseCommandStats(text: string): CommandStats {
  const out: CommandStats = new Map();
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('cmdstat_')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice('cmdstat_'.length, colon).toLowerCase();
    const fields = new Map<string, number>();
    for (const pair of line.slice(colon + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) fields.set(pair.slice(0, eq), Number(pair.slice(eq + 1)));
    }
    out.set(name, {
      calls: fields.get('calls') ?? 0,
      usec: fields.get('usec') ?? 0,
      // Redis < 6.2 reports no failed/rejected calls; both count as failures here.
      failed: (fields.get('failed_calls') ?? 0) + (fields.get('rejected_calls') ?? 0),
    });
  }
  return out;
}

/**
 * What happened between two snapshots. Commands with no new calls are left out. A counter that went
 * down (CONFIG RESETSTAT, a restarted or failed-over master) restarts from zero rather than going negative.
 */
export function diffCommandStats(before: CommandStats, after: CommandStats): CommandStats {
  const out: CommandStats = new Map();
  for (const [name, a] of after) {
    const b = before.get(name) ?? { calls: 0, usec: 0, failed: 0 };
    const reset = a.calls < b.calls;
    const delta = reset
      ? { ...a }
      : { calls: a.calls - b.calls, usec: a.usec - b.usec, failed: Math.max(0, a.failed - b.failed) };
    if (delta.calls > 0) out.set(name, delta);
  }
  return out;
}

/** Calls of the given commands (all commands but bookkeeping when `names` is omitted). */
export function countCalls(stats: CommandStats, names?: readonly string[]): number {
  let total = 0;
  for (const [name, counters] of stats) {
    const counted = names ? names.includes(name) : !BOOKKEEPING_COMMAND.test(name);
    if (counted) total += counters.calls;
  }
  return total;
}

export function countScriptCalls(stats: CommandStats): number {
  return countCalls(stats, SCRIPT_COMMANDS);
}

/** Takes a snapshot now; `delta()` returns what ran on the servers since. */
export async function startCommandStats(
  client: Redis | Cluster,
): Promise<{ delta(): Promise<CommandStats> }> {
  const before = await snapshotCommandStats(client);
  return {
    async delta() {
      return diffCommandStats(before, await snapshotCommandStats(client));
    },
  };
}
