/**
 * Three gateway processes on one Redis (standalone and Cluster), plus haproxy in front of them: a session and
 * the nodes that serve it sit on different instances, and everything crosses through the inboxes — partials,
 * results, failures, timeouts with a retry on another node, cancel on close; a node that re-registers on another
 * instance takes over and its old epoch is fenced; a new instance is ready only after its preload and then
 * serves at once; a session that drops mid-stream resumes on another instance and gets every result once.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { JobAssign } from '@lingua/protocol';
import { createRedis, Inbox, ScriptRunner } from '@lingua/store';
import {
  forEachTopology,
  freePort,
  pauseClients,
  poll,
  ScriptedNode,
  type Behaviour,
  TestClient,
  SILENT_PCM_20MS,
} from '@lingua/testkit';
import { getJson, metric, startCluster, type TestCluster } from './support/cluster.js';
import { RESUME_GRACE_MS } from './support/env.js';

forEachTopology('cross-instance', (target) => {
  let c: TestCluster;
  const open: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    open.push(x);
    return x;
  };
  const url = (gw: string, path: string) => c.gw(gw).wsUrl(path);

  beforeAll(async () => {
    c = await startCluster(target, ['gw-a', 'gw-b', 'gw-c']);
    await c.startProxy();
  }, 90_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('node on A and C, session on B: partial, result, failure, timeout retried elsewhere, timeout exhausted, cancel on close', async () => {
    const firstTry = new Set<number>();
    const behaviour: Behaviour = (a, n) => {
      switch (a.utterance_index) {
        case 0:
          n.partial(a, 'partial 0');
          n.answer(a);
          return;
        case 1:
          n.fail(a, 'NMT_TIMEOUT');
          return;
        case 2:
          // Silent on the first node it reaches: the deadline moves it to the other node, which answers.
          if (firstTry.has(2)) n.answer(a);
          firstTry.add(2);
          return;
        default:
          return; // 3: silent everywhere (job_timeout); 4: still open when the socket closes
      }
    };
    const onA = track(await ScriptedNode.start(url('gw-a', '/ws/node'), { behaviour }));
    const onC = track(await ScriptedNode.start(url('gw-c', '/ws/node'), { behaviour }));
    const s = track(await TestClient.open(url('gw-b', '/ws/session')));
    for (let i = 0; i < 4; i++) s.utterance(i);
    await s.until(() => s.resolved === 4, 15_000, 'indexes 0-3 resolved');

    expect(s.all('asr_partial')).toMatchObject([{ utterance_index: 0, text: 'partial 0' }]);
    const only = (i: number) => {
      const list = s.resolutions.get(i) ?? [];
      expect(list, `index ${i}`).toHaveLength(1);
      return list[0];
    };
    expect(only(0)).toMatchObject({ type: 'translation_result', text_translated: 'tr 0' });
    expect(only(1)).toMatchObject({ type: 'missing_result', reason: 'job_failed' });
    expect(s.all('error')).toMatchObject([{ code: 'NMT_TIMEOUT', details: { utterance_index: 1 } }]);
    expect(only(2)).toMatchObject({ type: 'translation_result', text_translated: 'tr 2' });
    expect(only(3)).toMatchObject({ type: 'missing_result', reason: 'job_timeout' });
    const tries = (i: number) => [...onA.assigns, ...onC.assigns].filter((a) => a.utterance_index === i);
    // A retry goes to the other node (on another instance), and the timed-out node is told to stop.
    expect(new Set(tries(2).map((a) => a.attempt_id))).toEqual(new Set([1, 2]));
    expect(tries(3)).toHaveLength(2);
    await poll(() => [...onA.cancels, ...onC.cancels].some((f) => f.job_id === tries(2)[0]?.job_id), {
      what: 'job_cancel for the timed-out first attempt of index 2',
    });
    const cancels = () => [...onA.cancels, ...onC.cancels].map((f) => f.job_id);
    await poll(() => cancels().filter((id) => id === tries(3)[0]?.job_id).length === 2, {
      what: 'job_cancel for both timed-out attempts of index 3',
    });

    s.utterance(4);
    await poll(() => tries(4).length === 1, { what: 'index 4 at a node' });
    const job4 = tries(4)[0] as JobAssign;
    const closedAt = Date.now();
    s.terminate();
    // The session stays resumable for the grace period, then its open job is cancelled across instances.
    await poll(() => [...onA.cancels, ...onC.cancels].some((f) => f.job_id === job4.job_id), {
      what: 'job_cancel for index 4',
      timeoutMs: RESUME_GRACE_MS + 5_000,
    });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(RESUME_GRACE_MS - 100);
  });

  it('through haproxy: nodes and sessions spread over the instances and every job crosses correctly', async () => {
    const proxy = c.proxy;
    if (!proxy) throw new Error('no proxy');
    // Only the WebSocket endpoints are public: which gateway a socket reached shows in Redis (the session's owner).
    const seen = new Set<string>();
    await poll(
      async () => {
        const probe = await TestClient.open(proxy.wsUrl('/ws/session'));
        try {
          const owner = await c.redis.hget(c.keys.session(probe.sessionId).session, 'owner');
          if (owner) seen.add(owner);
        } finally {
          await probe.close();
        }
        return seen.size === 3;
      },
      { what: 'haproxy reaching all three gateways', timeoutMs: 15_000 },
    );
    const node = track(
      await ScriptedNode.start(proxy.wsUrl('/ws/node'), { register: { max_concurrent_jobs: 16 } }),
    );
    const sessions = await Promise.all(
      [0, 1, 2].map(async () => track(await TestClient.open(proxy.wsUrl('/ws/session')))),
    );
    for (const s of sessions) for (let i = 0; i < 5; i++) s.utterance(i);
    await Promise.all(sessions.map((s) => s.until(() => s.resolved === 5, 10_000, 'five results')));
    for (const s of sessions) {
      expect(s.duplicates()).toEqual([]);
      expect([...s.resolutions.values()].every((fs) => fs[0]?.type === 'translation_result')).toBe(true);
    }
    const nodeOwner = await c.redis.hget(c.keys.node(node.nodeId), 'owner');
    const owners = await Promise.all(
      sessions.map((s) => c.redis.hget(c.keys.session(s.sessionId).session, 'owner')),
    );
    expect(owners.some((o) => o !== nodeOwner)).toBe(true);
  });

  it('a node re-registering on another instance takes over; the old socket is fenced and a late frame for its old epoch is dropped', async () => {
    const first = await ScriptedNode.start(url('gw-a', '/ws/node'));
    const nodeKey = c.keys.node(first.nodeId);
    const oldEpoch = Number(await c.redis.hget(nodeKey, 'epoch'));
    const again = track(
      await ScriptedNode.start(url('gw-b', '/ws/node'), {
        register: { node_id: first.nodeId, node_token: first.token },
      }),
    );
    expect((await first.node.closed).code).toBe(4001);
    expect(await c.redis.hget(nodeKey, 'owner')).toBe('gw-b');
    expect(Number(await c.redis.hget(nodeKey, 'epoch'))).toBe(oldEpoch + 1);

    // A job_assign for the old registration reaches A's inbox late: A drops it (and bounces it to its sender).
    const conn = createRedis(
      target.topology === 'cluster'
        ? { clusterNodes: (target.clusterNodes ?? []).map((n) => `${n.host}:${n.port}`), name: 'late-sender' }
        : { url: target.url ?? '', name: 'late-sender' },
    );
    try {
      const inbox = new Inbox({
        conn,
        runner: new ScriptRunner(conn),
        keys: c.keys,
        instanceId: 'late-sender',
      });
      const dropped = () => metric(c.gw('gw-a'), 'lingua_cluster_undeliverable_total', 'why="node_gone"');
      const before = await dropped();
      const late: JobAssign = {
        type: 'job_assign',
        job_id: 'j-late',
        attempt_id: 1,
        session_id: 's-late',
        utterance_index: 0,
        src_lang: 'zh',
        tgt_lang: 'en',
        pipeline: { use_asr: true, use_nmt: true, use_tts: false },
        audio: SILENT_PCM_20MS,
        audio_format: 'pcm16',
        sample_rate: 16_000,
        trace_id: 't-late',
      };
      await inbox.publish(
        'gw-a',
        JSON.stringify({ t: 'node', from: 'late-sender', node: first.nodeId, epoch: oldEpoch, frame: late }),
      );
      await poll(async () => (await dropped()) > before, { what: 'A dropping the late frame' });
    } finally {
      await conn.quit();
    }
    // The new registration serves: a session on C is answered by the node's socket on B.
    const s = track(await TestClient.open(url('gw-c', '/ws/session')));
    s.utterance(0);
    await s.until(() => s.resolved === 1, 5_000, 'result through the new registration');
    expect(s.resolutions.get(0)?.[0]).toMatchObject({ type: 'translation_result' });
    expect(again.assigns.map((a) => a.job_id)).not.toContain('j-late');
    expect(again.assigns).toHaveLength(1);
  });

  it('a session that drops mid-stream and resumes on another instance gets every result exactly once', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const node = track(
      await ScriptedNode.start(url('gw-c', '/ws/node'), {
        register: { max_concurrent_jobs: 64 },
        behaviour: (a, n) => void setTimeout(() => n.answer(a), Math.floor(random() * 400)),
      }),
    );
    const first = await TestClient.open(url('gw-b', '/ws/session'));
    for (let i = 0; i < 30; i++) first.utterance(i);
    await node.until(() => node.assigns.length >= 30, 10_000, 'all 30 jobs at the node');
    await first.until(() => first.resolved >= 5, 10_000, 'some results before the drop');
    first.terminate();
    const again = track(await TestClient.open(url('gw-a', '/ws/session'), { resume: first.resumeRequest() }));
    expect(again.received[0]).toMatchObject({
      type: 'session_init_ack',
      session_id: first.sessionId,
      resumed: true,
    });
    for (let i = 30; i < 40; i++) again.utterance(i);
    const covered = () => {
      const all = new Set([...first.resolutions.keys(), ...again.resolutions.keys()]);
      return all.size;
    };
    await again.until(() => covered() === 40, 15_000, 'all 40 indexes resolved across both sockets');
    const both = [...first.resolutions.keys()].filter((i) => again.resolutions.has(i));
    expect(both).toEqual([]);
    expect(first.duplicates()).toEqual([]);
    expect(again.duplicates()).toEqual([]);
    const types = [...first.resolutions.values(), ...again.resolutions.values()].map((fs) => fs[0]?.type);
    expect(new Set(types)).toEqual(new Set(['translation_result']));
    // Replayed results came first and in index order.
    const replayed = again.received
      .filter((f) => f.type === 'translation_result' && Number(f.utterance_index) < 30)
      .map((f) => Number(f.utterance_index));
    expect(replayed).toEqual([...replayed].sort((x, y) => x - y));
    expect(await c.redis.hget(c.keys.session(first.sessionId).session, 'owner')).toBe('gw-a');
  });

  it('a new instance is not ready until its preload finished, then serves at once', async () => {
    track(await ScriptedNode.start(url('gw-a', '/ws/node')));
    const port = await freePort();
    // Redis stalls while the new instance starts: it cannot load scripts, index or inbox, so it must not be ready.
    await pauseClients(target, 2_000);
    const starting = c.add('gw-d', { LINGUA_PORT: String(port) });
    starting.catch(() => undefined);
    const watchUntil = Date.now() + 1_500;
    let readyEarly = false;
    while (Date.now() < watchUntil) {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(300) }).catch(
        () => undefined,
      );
      if (res?.status === 200) readyEarly = true;
      await res?.body?.cancel();
      await delay(100);
    }
    expect(readyEarly).toBe(false);
    const d = await starting;
    const info = await getJson<{ cache_version: number }>(`${d.adminUrl}/api/v1/cluster`);
    expect(info.cache_version).toBe(Number(await c.redis.get(c.keys.index().ver)));
    const s = track(await TestClient.open(d.wsUrl('/ws/session')));
    s.utterance(0);
    await s.until(() => s.resolved === 1, 3_000, 'first result on the new instance');
    expect(s.resolutions.get(0)?.[0]).toMatchObject({ type: 'translation_result' });
  });
});
