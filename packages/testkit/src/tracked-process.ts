import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import {
  accessSync,
  appendFileSync,
  constants,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TestkitError } from './errors.js';

/**
 * Every process the kit spawns lives under one root directory (its config, data and cwd are
 * there), so a leak check can recognise kit processes by path alone. `TESTKIT_DIR` lets CI
 * point a run at a fresh root and then demand that nothing under it survives.
 */
export function kitRoot(): string {
  return process.env.TESTKIT_DIR ?? join(tmpdir(), 'lingua-testkit');
}

let currentRunDir: string | undefined;
const tracked = new Map<number, ChildProcess>();

/** This process's own directory under the kit root, with an `owner` file naming our pid. */
export function runDir(): string {
  if (currentRunDir !== undefined) return currentRunDir;
  const root = kitRoot();
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'run-'));
  writeFileSync(join(dir, 'owner'), `${process.pid}\n`);
  currentRunDir = dir;
  installExitHooks();
  return dir;
}

export function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

let setprivAvailable: boolean | undefined;

/**
 * Spawns a child that is killed with us: through `setpriv --pdeathsig KILL` where available (the
 * kernel then kills it even when we are SIGKILLed), and always via the pid file + exit hooks.
 */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const dir = runDir();
  setprivAvailable ??= onPath('setpriv');
  const child = setprivAvailable
    ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], options)
    : spawn(command, args, options);
  const pid = child.pid;
  if (pid === undefined) {
    // spawn reports ENOENT asynchronously; surface it as a typed error instead.
    throw new TestkitError('PROCESS_START_FAILED', `could not spawn ${command}`);
  }
  tracked.set(pid, child);
  appendFileSync(join(dir, 'pids'), `${pid}\n`);
  child.once('exit', () => tracked.delete(pid));
  return child;
}

/** Synchronous so that it can run inside an 'exit' handler. */
export function killTrackedSync(): void {
  for (const [pid, child] of tracked) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  tracked.clear();
}

let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', () => {
    killTrackedSync();
    if (currentRunDir !== undefined) rmSync(currentRunDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killTrackedSync();
      // If nobody else (vitest) handles this signal, restore the default and re-raise it, so that
      // adding our listener does not turn a fatal signal into a no-op.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
  watchParent();
}

/**
 * A vitest worker that loses its parent (vitest killed) may live on with a hung test; its
 * children must not. Notice the orphaning by the IPC channel closing or by a new parent pid.
 */
function watchParent(): void {
  if (typeof process.send === 'function') process.once('disconnect', killTrackedSync);
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      killTrackedSync();
    }
  }, 500);
  timer.unref();
}

/** Resolves when the child has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = waitForExit(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

export async function killHard(child: ChildProcess): Promise<void> {
  const exited = waitForExit(child);
  child.kill('SIGKILL');
  await exited;
}
