/**
 * The reliable inbox under load, across gateway processes (standalone and Cluster): nodes on A, sessions on B,
 * so every job_assign crosses into A's inbox and every result into B's. Over 10,000 jobs per fault:
 * - the receiving instance's inbox subscriber is killed mid-stream, then every pub/sub connection (CLIENT KILL
 *   TYPE pubsub), as a network blip would;
 * - Redis is paused mid-stream (CLIENT PAUSE: a subscriber that silently hears nothing for a while).
 * Every utterance index must resolve exactly once with its translation, and results must flow again within
 * the probe interval (LINGUA_INBOX_PROBE_MS) of the fault ending.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  forEachTopology,
  killPubSubClients,
  pauseClients,
  poll,
  ScriptedNode,
  TestClient,
} from '@lingua/testkit';
import { killClientsNamed, metric, startCluster, type TestCluster } from './support/cluster.js';
import { PROBE_MS } from './support/env.js';

const JOBS = 10_000;
const SESSIONS = 4;
const WINDOW = 100;
const PER_SESSION = JOBS / SESSIONS;

forEachTopology('inbox faults over 10,000 cross-instance jobs', (target) => {
  let c: TestCluster;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    // A long job deadline: on a busy 2-core machine a slow job must not turn into a retry and blur the counts.
    c = await startCluster(target, ['gw-a', 'gw-b'], { LINGUA_JOB_TIMEOUT_MS: '20000' });
    for (let i = 0; i < 2; i++) {
      // Headroom over the 400 jobs in flight: a slot is released only after its result has been routed.
      open.push(
        await ScriptedNode.start(c.gw('gw-a').wsUrl('/ws/node'), {
          register: { max_concurrent_jobs: 1_000 },
        }),
      );
    }
  }, 90_000);
  afterEach(async () => {
    await Promise.all(open.splice(2).map((x) => x.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)));
    await c?.stop();
  });

  /** Runs JOBS utterances over SESSIONS sessions on B; `fault` fires once `at` of them have resolved. */
  async function run(at: number[], fault: (step: number) => Promise<number>) {
    const sessions: TestClient[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const s = await TestClient.open(c.gw('gw-b').wsUrl('/ws/session'));
      s.keepFrames = false;
      sessions.push(s);
      open.push(s);
    }
    const resolved = () => sessions.reduce((n, s) => n + s.resolved, 0);
    const faults: { step: number; at: number; endedAt: number }[] = [];
    const injector = (async () => {
      for (let step = 0; step < at.length; step++) {
        await poll(() => resolved() >= (at[step] as number), { timeoutMs: 120_000, intervalMs: 5 });
        const t = performance.now();
        const endedAt = t + (await fault(step));
        faults.push({ step, at: t, endedAt });
      }
    })();
    await Promise.all(sessions.map((s) => s.pump(0, PER_SESSION, WINDOW, 120_000)));
    await injector;

    for (const s of sessions) {
      expect(s.resolved).toBe(PER_SESSION);
      expect(s.duplicates()).toEqual([]);
      const kinds = new Set(
        [...s.resolutions.values()].map((fs) => `${fs[0]?.type}:${String(fs[0]?.reason ?? '')}`),
      );
      expect(kinds).toEqual(new Set(['translation_result:']));
    }
    // Recovery: from each fault on, results never stopped for longer than the fault itself plus the probe interval.
    const arrivals = sessions.flatMap((s) => s.arrivals).sort((x, y) => x - y);
    for (const f of faults) {
      let previous = f.at;
      let longest = 0;
      for (const t of arrivals) {
        if (t < f.at) continue;
        if (t > f.at + 5_000) break;
        longest = Math.max(longest, t - previous);
        previous = t;
      }
      expect(longest, `longest stall after fault ${f.step}`).toBeLessThan(f.endedAt - f.at + PROBE_MS);
    }
    return faults;
  }

  it('CLIENT KILL of the receiving instances’ inbox subscribers mid-stream: zero lost, zero duplicated', async () => {
    const replayedBefore = await metric(c.gw('gw-b'), 'lingua_inbox_replayed');
    await run([JOBS * 0.3, JOBS * 0.6], async (step) => {
      // First only the subscriber of B's inbox (where the results arrive), then CLIENT KILL TYPE pubsub on every
      // node: A's inbox (job_assigns), B's again, and the index-event subscribers.
      const killed =
        step === 0 ? await killClientsNamed(target, 'gw-b-inbox') : await killPubSubClients(target);
      expect(killed).toBeGreaterThan(0);
      return 0;
    });
    // The gap was filled from B's replay log, not by luck (the gauge follows its presence tick).
    await poll(async () => (await metric(c.gw('gw-b'), 'lingua_inbox_replayed')) > replayedBefore, {
      what: 'replayed inbox messages at B',
    });
  });

  it('CLIENT PAUSE of Redis mid-stream (subscribers hear nothing for 400 ms): zero lost, zero duplicated', async () => {
    await run([JOBS * 0.5], async () => {
      await pauseClients(target, 400, 'ALL');
      return 400;
    });
  });
});
