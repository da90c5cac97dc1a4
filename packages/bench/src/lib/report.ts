import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { BenchError } from './errors.js';
import { redisVersion } from './redis-info.js';
import { roundFigure, type Figures } from './stats.js';

export interface BenchEnv {
  node: string;
  cpus: number;
  cpu_model: string;
  os: string;
  redis_version: string;
  commit: string;
  /** Scheduling of the load generator when it shares the machine with what it measures. */
  client_sched?: string;
  /** Host CPU steal during the run, % of all CPU time (lib/cpu-steal.ts); absent where it cannot be read. */
  cpu_steal_pct?: number;
  /** Round trip of a trivial script on an otherwise idle machine before the run (lib/machine-probe.ts). */
  probe_script_p50_ms?: number;
  probe_script_p99_ms?: number;
}

/** What `--json <file>` holds: one scenario's figures and where they were measured. */
export interface BenchReport {
  scenario: string;
  figures: Figures;
  env: BenchEnv;
}

/**
 * Where the figures came from. `redis` is a connected client or an already known version string;
 * without it the version reads `unknown` (a scenario that starts no Redis has nothing to ask).
 */
export async function collectEnv(redis?: Redis | Cluster | string): Promise<BenchEnv> {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    redis_version:
      typeof redis === 'string'
        ? redis
        : redis
          ? await redisVersion(redis).catch(() => 'unknown')
          : 'unknown',
    commit: gitCommit(),
  };
}

export function buildReport(scenario: string, figures: Figures, env: BenchEnv): BenchReport {
  const rounded: Figures = {};
  for (const [name, value] of Object.entries(figures)) rounded[name] = roundFigure(value);
  return { scenario, figures: rounded, env };
}

/** Writes the report as pretty JSON; a figure that could not be measured (NaN) becomes `null`. */
export async function writeJsonReport(file: string, report: BenchReport): Promise<void> {
  // `npm run bench` runs in the bench package's folder; a relative path means where the user typed it.
  const target = path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
  try {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${JSON.stringify(report, null, 2)}\n`);
  } catch (err) {
    throw new BenchError('REPORT_WRITE_FAILED', `cannot write ${file}: ${String(err)}`, { cause: err });
  }
}

/** A two-column table: figure names left-aligned, values right-aligned, `n/a` for unmeasured figures. */
export function formatFiguresTable(figures: Figures, title?: string): string {
  const rows = Object.entries(figures).map(([name, value]) => [name, formatValue(value)] as const);
  const nameWidth = Math.max(6, ...rows.map(([name]) => name.length));
  const valueWidth = Math.max(5, ...rows.map(([, value]) => value.length));
  const rule = `${'-'.repeat(nameWidth)}  ${'-'.repeat(valueWidth)}`;
  const lines: string[] = [];
  if (title) lines.push(title);
  lines.push(`${'figure'.padEnd(nameWidth)}  ${'value'.padStart(valueWidth)}`, rule);
  for (const [name, value] of rows) lines.push(`${name.padEnd(nameWidth)}  ${value.padStart(valueWidth)}`);
  return `${lines.join('\n')}\n`;
}

export function printFigures(
  figures: Figures,
  title?: string,
  out: { write(text: string): unknown } = process.stdout,
): void {
  out.write(formatFiguresTable(figures, title));
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return String(roundFigure(value));
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}
