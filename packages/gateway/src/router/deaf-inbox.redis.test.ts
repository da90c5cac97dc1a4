/**
 * A "connected but deaf" inbox subscription under load (both topologies): two gateways on one prefix, nodes on
 * A, sessions on B, and mid-stream B's inbox subscriber silently drops its SSUBSCRIBE (the connection stays up,
 * no error, no reconnect — nothing but the inbox probe can notice). Over 10,000 cross-instance jobs every
 * utterance index must resolve exactly once, and results must flow again within LINGUA_INBOX_PROBE_MS.
 * (Process-level faults — CLIENT KILL, CLIENT PAUSE — are in test/src/inbox-faults.test.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachTopology, poll, ScriptedNode, TestClient, uniquePrefix } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

const PROBE_MS = 600;
const JOBS = 10_000;
const SESSIONS = 4;
const WINDOW = 100;

forEachTopology('deaf inbox subscription under load', (target) => {
  let a: TestGateway;
  let b: TestGateway;
  const nodes: ScriptedNode[] = [];

  beforeAll(async () => {
    const env = {
      LINGUA_KEY_PREFIX: uniquePrefix('deaf'),
      LINGUA_INBOX_PROBE_MS: String(PROBE_MS),
      LINGUA_RATE_LIMIT_PER_S: '1000000',
      LINGUA_RATE_LIMIT_BURST: '1000000',
      LINGUA_JOB_TIMEOUT_MS: '30000',
      // The nodes ask for 1,000 slots; the gateway grants at most this.
      LINGUA_NODE_MAX_JOBS: '1000',
    };
    [a, b] = await Promise.all([
      startTestGateway(target, { ...env, LINGUA_INSTANCE_ID: 'gw-a' }),
      startTestGateway(target, { ...env, LINGUA_INSTANCE_ID: 'gw-b' }),
    ]);
    for (let i = 0; i < 2; i++) {
      nodes.push(await ScriptedNode.start(a.wsUrl('/ws/node'), { register: { max_concurrent_jobs: 1_000 } }));
    }
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('B’s subscriber drops its SSUBSCRIBE silently mid-stream: the probe resubscribes, the log fills the gap', async () => {
    const pumps = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const c = await TestClient.open(b.wsUrl('/ws/session'));
        c.keepFrames = false;
        return c;
      }),
    );
    const resolved = () => pumps.reduce((n, p) => n + p.resolved, 0);
    const inbox = b.parts.inbox;
    const before = inbox.stats();
    let deafAt = 0;
    const fault = (async () => {
      await poll(() => resolved() >= JOBS / 2, { timeoutMs: 120_000, intervalMs: 5 });
      const sub = inbox.subscription();
      if (!sub) throw new Error('inbox not subscribed');
      deafAt = performance.now();
      await sub.conn.client.sunsubscribe(sub.channel);
    })();
    await Promise.all(pumps.map((p) => p.pump(0, JOBS / SESSIONS, WINDOW, 120_000)));
    await fault;
    for (const p of pumps) p.terminate();

    for (const p of pumps) {
      expect(p.resolved).toBe(JOBS / SESSIONS);
      expect(p.duplicates()).toEqual([]);
      expect([...p.resolutions.values()].filter((fs) => fs[0]?.type !== 'translation_result')).toEqual([]);
    }
    const after = inbox.stats();
    expect(after.resubscribes).toBeGreaterThan(before.resubscribes);
    expect(after.replayed).toBeGreaterThan(before.replayed);
    expect(after.lost).toBe(0);
    // Results stopped at most for the probe interval after the subscription went deaf.
    const arrivals = pumps.flatMap((p) => p.arrivals).sort((x, y) => x - y);
    let previous = deafAt;
    let longest = 0;
    for (const t of arrivals) {
      if (t < deafAt) continue;
      longest = Math.max(longest, t - previous);
      previous = t;
    }
    expect(longest).toBeLessThan(PROBE_MS);
  });
});
