/**
 * The two CLIs against a demo-like stack: two gateway processes, `lingua-node-sim` running simulated nodes on one
 * and `lingua-client --sessions 200` streaming through the other. Every utterance of every session must resolve, as a
 * translation, exactly once (the client's --json summary says so). Both CLIs' --help is exercised too.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forEachTopology, poll, runSourceCli, type SourceCliRun } from '@lingua/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { clientSummary, everyUtteranceTranslated } from './client-summary.js';
import { HEARTBEAT_MS, TestStack, within } from './stack.js';

const NODE_SIM = fileURLToPath(new URL('../../../node-agent/src/sim/cli.ts', import.meta.url));
const CLIENT = fileURLToPath(new URL('../../../client/src/cli.ts', import.meta.url));

const running = new Set<ChildProcess>();

/** A CLI from source (as `npx <bin>` runs the build), killed after the test if it is still running. */
function runCli(entry: string, args: string[]): SourceCliRun {
  const run = runSourceCli(entry, args);
  running.add(run.child);
  void run.exited.then(() => running.delete(run.child));
  return run;
}

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
});

describe('CLI --help', () => {
  it('lingua-node-sim and lingua-client print their usage and exit 0', async () => {
    const sim = runCli(NODE_SIM, ['--help']);
    const client = runCli(CLIENT, ['--help']);
    expect(await sim.exited).toBe(0);
    expect(await client.exited).toBe(0);
    expect(sim.stdout).toMatch(/^Usage: lingua-node-sim/);
    expect(sim.stdout).toContain('--latency');
    expect(client.stdout).toMatch(/^Usage: lingua-client/);
    expect(client.stdout).toContain('--sessions');
  });
});

forEachTopology('lingua-client --sessions 200 through lingua-node-sim', (target) => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('resolves every utterance of every session with a translation, exactly once', async () => {
    stack = new TestStack(target);
    // The demo's layout: nodes on one instance, sessions on the other, so every job and result crosses Redis.
    const [nodeGw, sessionGw] = await Promise.all([
      stack.gateway('gw-nodes', { LINGUA_NODE_MAX_JOBS: '32' }),
      stack.gateway('gw-sessions', { LINGUA_NODE_MAX_JOBS: '32' }),
    ]);

    const sim = runCli(NODE_SIM, [
      ...['--url', nodeGw.wsUrl('/ws/node'), '--nodes', '5', '--asr', 'en,zh', '--tgt', 'en,zh'],
      ...['--latency', '20-60', '--max-jobs', '32', '--heartbeat-ms', String(HEARTBEAT_MS), '--json'],
    ]);
    await poll(() => (sim.stdout.match(/"event":"status"[^\n]*"status":"ready"/g) ?? []).length >= 5, {
      timeoutMs: 20_000,
      what: '5 simulated nodes ready',
    });

    // Real-time speech from 200 sessions starting over 3 s: about 70 jobs/s. On a loaded machine a job can hold
    // its slot for a second, so 160 slots keep capacity from being the reason an utterance goes untranslated.
    const client = runCli(CLIENT, [
      ...[
        '--url',
        sessionGw.wsUrl('/ws/session'),
        '--sessions',
        '200',
        '--generate',
        '2',
        '--utterance-ms',
        '800',
      ],
      ...['--speed', '1', '--ramp-ms', '3000', '--timeout-ms', '20000', '--json', '--no-progress'],
    ]);
    const code = await within(client.exited, 90_000, 'lingua-client exit');
    const summary = clientSummary(client);
    expect(summary).toMatchObject(everyUtteranceTranslated(200, 2));
    expect((summary.latency_ms as { p99: number }).p99).toBeGreaterThan(0);
    expect({ code, stderr: client.stderr }).toEqual({ code: 0, stderr: '' });

    // The simulator answered every job and drains cleanly on SIGTERM.
    expect((sim.stdout.match(/"event":"result"[^\n]*"success":true/g) ?? []).length).toBe(400);
    sim.child.kill('SIGTERM');
    expect(await within(sim.exited, 15_000, 'lingua-node-sim exit')).toBe(0);
  });
});
