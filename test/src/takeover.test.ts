/**
 * Instance death (standalone and Cluster): kill -9 of a gateway that owns a node and a session. Its presence
 * expires, the BullMQ sweep on a live instance enqueues its takeover, and the takeover removes its node
 * registration (the jobs on that node fail over to another node at once, long before their deadline), resolves
 * the open jobs of its session (cancelled at their node, `missing_result instance_lost` kept for a resume) and
 * deletes its inbox keys.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobAssign } from '@lingua/protocol';
import { forEachTopology, poll, ScriptedNode, TestClient } from '@lingua/testkit';
import { metric, startCluster, type TestCluster } from './support/cluster.js';

forEachTopology('takeover of a dead instance', (target) => {
  let c: TestCluster;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    // Fast death detection (presence TTL 3 × 200 ms); deadlines far away, so only the takeover can move jobs.
    c = await startCluster(target, ['gw-a', 'gw-b', 'gw-c'], {
      LINGUA_INSTANCE_TICK_MS: '200',
      LINGUA_SWEEP_INTERVAL_MS: '300',
      LINGUA_JOB_TIMEOUT_MS: '30000',
    });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(open.map((x) => x.close().catch(() => undefined)));
    await c?.stop();
  });

  it('kill -9 of C: its node leaves, its jobs fail over or resolve, its inbox is deleted', async () => {
    // N2 on C is the only node when B's session sends: it holds that job (silent).
    const n2 = await ScriptedNode.start(c.gw('gw-c').wsUrl('/ws/node'), { behaviour: () => undefined });
    open.push(n2);
    const onB = await TestClient.open(c.gw('gw-b').wsUrl('/ws/session'));
    open.push(onB);
    onB.utterance(0);
    await n2.until(() => n2.assigns.length === 1, 5_000, 'B’s job at N2');
    // N1 on A then has the most free slots: C's session's job goes there and is held; B's job, once it fails
    // over, is answered.
    const n1 = await ScriptedNode.start(c.gw('gw-a').wsUrl('/ws/node'), {
      behaviour: (a, n) => {
        if (a.session_id === onB.sessionId) n.answer(a);
      },
    });
    open.push(n1);
    const onC = await TestClient.open(c.gw('gw-c').wsUrl('/ws/session'));
    onC.utterance(0);
    await n1.until(() => n1.assigns.length === 1, 5_000, 'C’s job at N1');
    const jobOnN1 = n1.assigns[0] as JobAssign;
    const heldOnN1 = 0;
    const heldOnN2 = 0;
    expect(await c.redis.sismember(c.keys.instance('gw-c').nodes, n2.nodeId)).toBe(1);
    expect(await c.redis.sismember(c.keys.instance('gw-c').sessions, onC.sessionId)).toBe(1);

    const killedAt = Date.now();
    await c.gw('gw-c').kill9();

    // B's job on N2 moves to N1 through the takeover (its deadline is 30 s away).
    await onB.until(() => onB.resolutions.has(heldOnN2), 15_000, 'failover of the job held on N2');
    expect(onB.resolutions.get(heldOnN2)).toMatchObject([{ type: 'translation_result' }]);
    expect(Date.now() - killedAt).toBeLessThan(10_000);

    // C's session: its open job is cancelled at N1 and resolved in Redis for a later resume.
    await poll(() => n1.cancels.some((f) => f.job_id === jobOnN1.job_id), {
      what: 'job_cancel at N1',
      timeoutMs: 10_000,
    });
    const record = JSON.parse(
      (await c.redis.hget(c.keys.session(onC.sessionId).jobs, jobOnN1.job_id)) ?? '{}',
    );
    expect(record).toMatchObject({ state: 'CANCELLED', end_reason: 'instance_lost' });
    const out = await c.redis.xrange(c.keys.session(onC.sessionId).out, '-', '+');
    const kept = out.map(([, kv]) => JSON.parse(kv[kv.indexOf('msg') + 1] ?? '{}'));
    expect(kept).toContainEqual(
      expect.objectContaining({ type: 'missing_result', utterance_index: heldOnN1, reason: 'instance_lost' }),
    );

    // N2's registration is gone, C left the instance list and its inbox keys are deleted.
    await poll(async () => (await c.redis.hget(c.keys.node(n2.nodeId), 'owner')) === '', {
      what: 'N2 released',
    });
    const ik = c.keys.instance('gw-c');
    await poll(async () => (await c.redis.zscore(c.keys.index().instances, 'gw-c')) === null, {
      what: 'gw-c out of {idx}:instances',
    });
    expect(await Promise.all([ik.seq, ik.log, ik.nodes, ik.sessions].map((k) => c.redis.exists(k)))).toEqual([
      0, 0, 0, 0,
    ]);
    const runs =
      (await metric(c.gw('gw-a'), 'lingua_cluster_takeovers_total', 'outcome="done"')) +
      (await metric(c.gw('gw-b'), 'lingua_cluster_takeovers_total', 'outcome="done"'));
    expect(runs).toBe(1);
  });
});
