import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';

export interface KitProcess {
  pid: number;
  command: string;
  /** The kit run directory the process belongs to. */
  runDir: string;
  /** Whether the process that started it is still alive. */
  ownerAlive: boolean;
}

function readProc(pid: string, what: 'cmdline' | 'cwd'): string {
  try {
    if (what === 'cwd') return readlinkSync(`/proc/${pid}/cwd`);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(runDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(runDir, 'owner'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Live processes started by the kit under `root`, recognised by the root path in their command
 * line (redis-server shows its config path, haproxy its -f argument) or working directory.
 * Linux only (/proc).
 */
export function findKitProcesses(root: string): KitProcess[] {
  const prefix = root.endsWith(sep) ? root : root + sep;
  const found: KitProcess[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const command = readProc(entry, 'cmdline');
    if (command === '') continue; // kernel thread or zombie
    const cwd = readProc(entry, 'cwd');
    const where = command.includes(prefix) ? command : cwd.startsWith(prefix) ? cwd : undefined;
    if (where === undefined) continue;
    const runName = where.slice(where.indexOf(prefix) + prefix.length).split(/[/\s]/)[0] ?? '';
    const runDir = join(root, runName);
    const owner = ownerOf(runDir);
    found.push({
      pid: Number(entry),
      command,
      runDir,
      ownerAlive: owner !== undefined && pidAlive(owner),
    });
  }
  return found;
}

/**
 * Kills what earlier, crashed runs left behind under `root` (their owner is dead) and removes
 * their directories. Runs of other live processes are left alone.
 */
export function sweepStaleRuns(root: string): number {
  let killed = 0;
  for (const proc of findKitProcesses(root)) {
    if (proc.ownerAlive) continue;
    try {
      process.kill(proc.pid, 'SIGKILL');
      killed++;
    } catch {
      // exited meanwhile
    }
  }
  let runs: string[];
  try {
    runs = readdirSync(root).filter((name) => name.startsWith('run-'));
  } catch {
    return killed;
  }
  for (const name of runs) {
    const dir = join(root, name);
    const owner = ownerOf(dir);
    if (owner === undefined || !pidAlive(owner)) rmSync(dir, { recursive: true, force: true });
  }
  return killed;
}
