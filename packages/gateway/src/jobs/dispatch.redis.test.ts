import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { forEachTopology, poll, ScriptedNode, type Behaviour, TestClient, type Frame } from '@lingua/testkit';
import type { JobAssign } from '@lingua/protocol';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

const hold: Behaviour = () => ({ kind: 'silent' });
const opus = (packets: number): string =>
  Buffer.concat(Array.from({ length: packets }, () => Buffer.from([2, 0, 9, 9]))).toString('base64');

/** The frames that resolve an index: exactly one translation_result or missing_result each (the invariant). */
const resolutions = (c: TestClient): Frame[] =>
  c.received.filter((f) => f.type === 'translation_result' || f.type === 'missing_result');
const indexOf = (f: Frame): number => Number(f.utterance_index);

forEachTopology('dispatch', (target) => {
  let gw: TestGateway;
  const nodes: ScriptedNode[] = [];
  const clients: TestClient[] = [];

  /** A node serving both directions of `langs` (its own pool, so tests do not share capacity). */
  const startNode = async (
    langs: string[],
    behaviour: Behaviour = hold,
    maxJobs?: number,
  ): Promise<ScriptedNode> => {
    const n = await ScriptedNode.start(gw.wsUrl('/ws/node'), {
      behaviour,
      register: {
        language_capabilities: { asr_languages: langs, semantic_languages: langs },
        ...(maxJobs === undefined ? {} : { max_concurrent_jobs: maxJobs }),
      },
    });
    nodes.push(n);
    return n;
  };
  const session = async (
    src: string,
    tgt: string,
    extra: Record<string, unknown> = {},
  ): Promise<TestClient> => {
    const c = await TestClient.connect(gw.wsUrl('/ws/session'));
    clients.push(c);
    await c.init({ src_lang: src, tgt_lang: tgt, ...extra });
    return c;
  };
  const utterance = (c: TestClient, index: number, src: string, tgt: string): void =>
    c.send({
      type: 'utterance',
      session_id: c.sessionId,
      utterance_index: index,
      manual_cut: true,
      src_lang: src,
      tgt_lang: tgt,
      audio: opus(3),
      audio_format: 'opus',
      sample_rate: 16000,
    });
  const indexed = (src: string, tgt: string) =>
    poll(() => gw.parts.index.candidatePools(src, tgt).length > 0, { what: `index serves ${src}:${tgt}` });

  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_FINAL_GRACE_MS: '10', LINGUA_MAX_UTTERANCE_MS: '200' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('200 utterances at once over 5 nodes never exceed any node max; the rest get NO_AVAILABLE_NODE', async () => {
    const pool = await Promise.all(Array.from({ length: 5 }, () => startNode(['c1', 'c2'], hold, 4)));
    await indexed('c1', 'c2');
    const sessions = await Promise.all(Array.from({ length: 20 }, () => session('c1', 'c2')));
    for (const c of sessions) for (let i = 0; i < 10; i++) utterance(c, i, 'c1', 'c2');
    const total = () => pool.reduce((n, x) => n + x.assigns.length, 0);
    await poll(() => total() === 20 && gw.parts.sessions.inFlight() === 20, { what: '20 jobs held' });
    // every slot is used once, none twice
    for (const n of pool) expect(n.maxConcurrent).toBe(4);
    // release: the held jobs answer, the refused indexes come out in order behind them
    for (const n of pool) for (const a of n.assigns) n.answer(a);
    await poll(() => sessions.every((c) => resolutions(c).length === 10), { what: 'every index resolved' });
    let results = 0;
    let refused = 0;
    for (const c of sessions) {
      const res = resolutions(c);
      expect(res.map(indexOf)).toEqual([...Array(10).keys()]);
      for (const f of res) {
        if (f.type === 'translation_result') results++;
        else {
          expect(f).toMatchObject({ type: 'missing_result', reason: 'no_available_node' });
          refused++;
        }
      }
      // each refusal is also told as an error the client shows, and a ui_event ERROR
      const refusedHere = res.filter((f) => f.type === 'missing_result').map(indexOf);
      const errored = c.all('error').map((e) => (e.details as { utterance_index: number }).utterance_index);
      expect(errored).toEqual(refusedHere);
      expect(c.all('error').every((e) => e.code === 'NO_AVAILABLE_NODE')).toBe(true);
      expect(c.all('ui_event').filter((e) => e.event === 'ERROR')).toHaveLength(refusedHere.length);
    }
    expect([results, refused]).toEqual([20, 180]);
    for (const n of pool) expect(n.maxConcurrent).toBeLessThanOrEqual(4);
    await poll(() => gw.parts.sessions.inFlight() === 0, { what: 'nothing in flight' });
  });

  it('same turn → same node even when it is the busier one; the next turn prefers the previous node', async () => {
    const [n1, n2] = await Promise.all([startNode(['a1', 'a2'], hold, 4), startNode(['a1', 'a2'], hold, 4)]);
    await indexed('a1', 'a2');
    const c = await session('a1', 'a2');
    c.chunk(12); // ≥ 200 ms: a max-duration cut
    await poll(() => n1!.assigns.length + n2!.assigns.length === 1, { what: 'first piece assigned' });
    const [busy, idle] = n1!.assigns.length === 1 ? [n1!, n2!] : [n2!, n1!];
    const first = busy.assigns[0] as JobAssign;
    expect(first.is_max_duration_triggered).toBe(true);
    // least-loaded would now pick the idle node; the open turn sticks to the busy one
    c.chunk(12);
    await busy.waitForAssigns(2);
    expect(busy.assigns[1]).toMatchObject({ turn_id: first.turn_id, utterance_index: 1 });
    c.chunk(1, true); // ends the turn
    await busy.waitForAssigns(3);
    expect(busy.assigns[2]).toMatchObject({ turn_id: first.turn_id, is_manual_cut: true });
    // a new turn: no turn affinity, but the session's previous node is still preferred
    c.chunk(1, true);
    await busy.waitForAssigns(4);
    expect(busy.assigns[3]?.turn_id).not.toBe(first.turn_id);
    expect(idle.assigns).toHaveLength(0);
    // affinity is a preference, not a reservation: with the busy node full the next one goes elsewhere
    c.chunk(1, true);
    await idle.waitForAssigns(1);
    expect(busy.maxConcurrent).toBe(4);
  });

  it('affinity node full: the job is recorded on the node that got it; nothing free: the record is closed', async () => {
    const [n1, n2] = await Promise.all([startNode(['b1', 'b2'], hold, 1), startNode(['b1', 'b2'], hold, 1)]);
    await indexed('b1', 'b2');
    const c = await session('b1', 'b2');
    const records = async () =>
      Object.values(await gw.parts.redis.client.hgetall(gw.parts.keys.session(c.sessionId).jobs)).map(
        (r) => JSON.parse(r) as { idx: number; node: string; state: string; tried: string[] },
      );
    utterance(c, 0, 'b1', 'b2');
    await poll(() => n1.assigns.length + n2.assigns.length === 1, { what: 'index 0 assigned' });
    const [first, second] = n1.assigns.length === 1 ? [n1, n2] : [n2, n1];
    // index 1 prefers the node of index 0, which is full: the slot and the record go to the other node
    utterance(c, 1, 'b1', 'b2');
    await second.waitForAssigns(1);
    const moved = (await records()).find((r) => r.idx === 1);
    expect(moved).toMatchObject({ node: second.nodeId, state: 'DISPATCHED', tried: [second.nodeId] });
    // both full: no node, and the record made for the preferred node is closed, not left open
    utterance(c, 2, 'b1', 'b2');
    await poll(async () => (await records()).find((r) => r.idx === 2)?.state === 'CANCELLED', {
      what: 'index 2 closed',
    });
    // the moved job's result is fenced on its recorded node, so it counts
    second.answer(second.assigns[0] as JobAssign);
    first.answer(first.assigns[0] as JobAssign);
    await poll(() => resolutions(c).length === 3, { what: 'every index resolved' });
    expect(resolutions(c).map((f) => [f.type, indexOf(f)])).toEqual([
      ['translation_result', 0],
      ['translation_result', 1],
      ['missing_result', 2],
    ]);
    expect(c.all('error')).toMatchObject([{ code: 'NO_AVAILABLE_NODE', details: { utterance_index: 2 } }]);
  });

  it('candidate pools follow the languages: one_way, src auto, two_way_auto; nothing serves → NO_AVAILABLE_NODE', async () => {
    const answer: Behaviour = () => ({ kind: 'result' });
    const xy = await startNode(['x1', 'y1'], answer);
    const pq = await startNode(['p1', 'q1'], answer);
    await indexed('x1', 'y1');
    await indexed('p1', 'q1');

    const one = await session('x1', 'y1');
    one.chunk(1, true);
    await one.next('translation_result');
    expect(xy.assigns.map((a) => a.session_id)).toEqual([one.sessionId]);

    const auto = await session('auto', 'q1');
    auto.chunk(1, true);
    await auto.next('translation_result');
    expect(pq.assigns.map((a) => a.session_id)).toEqual([auto.sessionId]);
    expect(pq.assigns[0]).toMatchObject({ src_lang: 'auto', tgt_lang: 'q1' });

    const two = await session('auto', 'y1', { mode: 'two_way_auto', lang_a: 'y1', lang_b: 'x1' });
    two.chunk(1, true);
    await two.next('translation_result');
    expect(xy.assigns[1]).toMatchObject({
      session_id: two.sessionId,
      mode: 'two_way_auto',
      lang_a: 'y1',
      lang_b: 'x1',
    });

    const none = await session('x1', 'q1');
    none.chunk(1, true);
    const err = await none.next('error');
    expect(err).toMatchObject({ code: 'NO_AVAILABLE_NODE', details: { utterance_index: 0 } });
    expect(await none.next('missing_result')).toMatchObject({
      utterance_index: 0,
      reason: 'no_available_node',
    });
    expect(await none.next('ui_event', (e) => e.event === 'ERROR')).toMatchObject({
      status: 'error',
      error_code: 'NO_AVAILABLE_NODE',
      hint: expect.any(String),
    });
    // the session keeps working: the next utterance gets the next index and its own answer
    none.chunk(1, true);
    expect(await none.next('error')).toMatchObject({
      code: 'NO_AVAILABLE_NODE',
      details: { utterance_index: 1 },
    });
  });

  it('pools found by language: a superset group pool, one-way asr × target pools, two_way_auto prefers both ways', async () => {
    const answer: Behaviour = () => ({ kind: 'result' });
    const register = (r: Record<string, unknown>, behaviour: Behaviour = answer) =>
      ScriptedNode.start(gw.wsUrl('/ws/node'), { behaviour, register: r }).then((n) => {
        nodes.push(n);
        return n;
      });
    // m2→n2 only (asr × semantic), and an m2/n2/o2 group (every direction): both list under s:m2 and t:n2.
    const oneWay = await register({
      language_capabilities: { asr_languages: ['m2'], semantic_languages: ['n2'] },
    });
    const group = await register({ lang_sets: [['o2', 'n2', 'm2']] });
    await poll(() => gw.parts.index.candidatePools('m2', 'n2').length === 2, { what: 'both pools indexed' });
    expect(gw.parts.index.candidatePools('n2', 'm2').map((p) => p.poolId)).toHaveLength(1);
    expect(gw.parts.index.candidatePools('auto', 'n2')).toHaveLength(2);
    expect(gw.parts.index.candidatePools('m2', 'm2')).toEqual([]);

    // two_way_auto: the pool serving both directions comes first.
    const two = await session('auto', 'n2', { mode: 'two_way_auto', lang_a: 'm2', lang_b: 'n2' });
    two.chunk(1, true);
    await two.next('translation_result');
    expect(group.assigns.map((a) => a.session_id)).toEqual([two.sessionId]);

    // Superset: o2→n2 is served by the group pool alone.
    const wide = await session('o2', 'n2');
    wide.chunk(1, true);
    await wide.next('translation_result');
    expect(group.assigns.map((a) => a.session_id)).toEqual([two.sessionId, wide.sessionId]);

    // Without the group pool, two_way_auto falls back to the one-way pool.
    await group.close();
    nodes.splice(nodes.indexOf(group), 1);
    await poll(() => gw.parts.index.candidatePools('n2', 'm2').length === 0, { what: 'group pool gone' });
    const fallback = await session('auto', 'n2', { mode: 'two_way_auto', lang_a: 'm2', lang_b: 'n2' });
    fallback.chunk(1, true);
    await fallback.next('translation_result');
    expect(oneWay.assigns.map((a) => a.session_id)).toEqual([fallback.sessionId]);
  });

  it('a node that closes with jobs in flight: they go to another node at once, never twice to one node', async () => {
    const gone = await startNode(['k1', 'k2'], hold, 4);
    await indexed('k1', 'k2');
    const c = await session('k1', 'k2');
    utterance(c, 0, 'k1', 'k2');
    utterance(c, 1, 'k1', 'k2');
    await gone.waitForAssigns(2);
    const other = await startNode(['k1', 'k2'], () => ({ kind: 'result' }), 4);
    const started = Date.now();
    await gone.close();
    await poll(() => resolutions(c).length === 2, { what: 'both indexes resolved' });
    expect(Date.now() - started).toBeLessThan(5_000); // not the 30 s job timeout
    expect(resolutions(c).map((f) => [f.type, indexOf(f)])).toEqual([
      ['translation_result', 0],
      ['translation_result', 1],
    ]);
    expect(other.assigns.map((a) => [a.utterance_index, a.attempt_id])).toEqual(
      expect.arrayContaining([
        [0, 2],
        [1, 2],
      ]),
    );
    expect(c.all('ui_event').filter((e) => e.event === 'DISPATCHED')).toHaveLength(4);
  });

  it('a lost node with no other node left resolves its jobs as node_unavailable', async () => {
    const only = await startNode(['m1', 'm2'], hold, 4);
    await indexed('m1', 'm2');
    const c = await session('m1', 'm2');
    utterance(c, 0, 'm1', 'm2');
    await only.waitForAssigns(1);
    await only.close();
    const missing = await c.next('missing_result');
    expect(missing).toMatchObject({ utterance_index: 0, reason: 'node_unavailable' });
    expect(c.all('ui_event').find((e) => e.event === 'ERROR')).toMatchObject({
      error_code: 'NODE_UNAVAILABLE',
    });
  });
});
