import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findKitProcesses, pidAlive } from './kit-processes.js';
import { poll } from './poll.js';

const holder = fileURLToPath(new URL('../fixtures/hold-redis.ts', import.meta.url));
const roots: string[] = [];

/** Runs the fixture under a fresh kit root and resolves with its children's pids once they run. */
async function holdRedis(): Promise<{
  kill: (signal: NodeJS.Signals) => void;
  root: string;
  pids: number[];
}> {
  const root = mkdtempSync(join(tmpdir(), 'testkit-cleanup-'));
  roots.push(root);
  const child = spawn(process.execPath, ['--import', 'tsx', holder], {
    env: { ...process.env, TESTKIT_DIR: root },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', resolve);
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
  });
  const pids = Object.values(JSON.parse(line) as Record<string, number>);
  return { kill: (signal) => child.kill(signal), root, pids };
}

afterAll(() => {
  for (const root of roots) {
    for (const p of findKitProcesses(root)) process.kill(p.pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

describe.concurrent('processes started by the kit die with their owner', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)('when the owner gets %s', async (signal) => {
    const held = await holdRedis();
    expect(held.pids).toHaveLength(2);
    expect(
      findKitProcesses(held.root)
        .map((p) => p.pid)
        .sort(),
    ).toEqual([...held.pids].sort());
    held.kill(signal);
    await poll(() => held.pids.every((pid) => !pidAlive(pid)) && findKitProcesses(held.root).length === 0, {
      what: `kit children gone after ${signal}`,
      timeoutMs: 5_000,
    });
    expect(held.pids.filter(pidAlive)).toEqual([]);
  });
});
