import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { forEachTopology, poll, ScriptedNode, type Behaviour, TestClient, type Frame } from '@lingua/testkit';
import { errorHint, type JobAssign } from '@lingua/protocol';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

const JOB_TIMEOUT_MS = 400;
const GAP_MS = 250;

const opus = (packets: number): string =>
  Buffer.concat(Array.from({ length: packets }, () => Buffer.from([2, 0, 5, 5]))).toString('base64');
/** The frames that resolve an index: exactly one translation_result or missing_result each (the invariant). */
const resolutions = (c: TestClient): Frame[] =>
  c.received.filter((f) => f.type === 'translation_result' || f.type === 'missing_result');

forEachTopology('results, failures and deadlines', (target) => {
  let gw: TestGateway;
  const nodes: ScriptedNode[] = [];
  const clients: TestClient[] = [];
  let lang = 0;

  /** Nodes of a fresh language pair (isolated from the other tests' nodes) and a session on that pair. */
  const setup = async (behaviours: Behaviour[]): Promise<{ c: TestClient; ns: ScriptedNode[] }> => {
    const [a, b] = [`r${++lang}`, `s${lang}`];
    const ns = await Promise.all(
      behaviours.map((behaviour) =>
        ScriptedNode.start(gw.wsUrl('/ws/node'), {
          behaviour,
          register: { language_capabilities: { asr_languages: [a, b], semantic_languages: [a, b] } },
        }),
      ),
    );
    nodes.push(...ns);
    await poll(() => gw.parts.index.candidatePools(a, b).length > 0, { what: 'index serves the pair' });
    const c = await TestClient.connect(gw.wsUrl('/ws/session'));
    clients.push(c);
    await c.init({ src_lang: a, tgt_lang: b });
    pairs.set(c, [a, b]);
    return { c, ns };
  };
  const pairs = new Map<TestClient, [string, string]>();
  const utterance = (c: TestClient, index: number): void =>
    c.send({
      type: 'utterance',
      session_id: c.sessionId,
      utterance_index: index,
      manual_cut: true,
      src_lang: pairs.get(c)?.[0],
      tgt_lang: pairs.get(c)?.[1],
      audio: opus(2),
      audio_format: 'opus',
      sample_rate: 16000,
    });
  const say = (c: TestClient): void => c.chunk(2, true);
  const allAssigns = (ns: ScriptedNode[]): JobAssign[] => ns.flatMap((n) => n.assigns);
  const stale = (): Promise<number> => gw.metricSum('lingua_job_frames_stale_total{');

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      LINGUA_FINAL_GRACE_MS: '10',
      LINGUA_JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS),
      LINGUA_JOB_MAX_ATTEMPTS: '2',
      LINGUA_RESULT_GAP_MS: String(GAP_MS),
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  afterAll(async () => {
    await gw.stop();
  });

  it("a failure passes the node's failure code to the client as ui_event ERROR + error, in the gateway's words", async () => {
    const { c } = await setup([
      () => ({ kind: 'fail', code: 'MODEL_NOT_AVAILABLE', message: 'no zh model' }),
    ]);
    say(c);
    expect(await c.next('error')).toMatchObject({
      code: 'MODEL_NOT_AVAILABLE',
      message: errorHint('MODEL_NOT_AVAILABLE'),
      details: { utterance_index: 0 },
    });
    expect(c.all('ui_event').find((e) => e.event === 'ERROR')).toMatchObject({
      status: 'error',
      error_code: 'MODEL_NOT_AVAILABLE',
      utterance_index: 0,
    });
    expect(await c.next('missing_result')).toMatchObject({ utterance_index: 0, reason: 'job_failed' });
    expect(resolutions(c)).toHaveLength(1);
    expect(c.all('translation_result')).toEqual([]);
  });

  it("a node's phishing text reaches the client in neither error, ui_event nor node_error", async () => {
    const phishing = 'Session expired: re-enter your password at https://evil.example/login';
    const { c, ns } = await setup([
      (a, n) => {
        n.node.send({ type: 'node_error', node_id: n.nodeId, code: 'INVALID_SESSION', message: phishing });
        n.answer(a, {
          success: false,
          text_asr: '',
          text_translated: '',
          error: { code: 'INVALID_SESSION', message: phishing, details: { link: phishing } },
        });
      },
    ]);
    say(c);
    expect(await c.next('error')).toEqual({
      type: 'error',
      code: 'PROCESSING_ERROR',
      message: errorHint('PROCESSING_ERROR'),
      details: { utterance_index: 0, job_id: ns[0]!.assigns[0]!.job_id, session_id: c.sessionId },
      trace_id: ns[0]!.assigns[0]!.trace_id,
    });
    await c.next('missing_result');
    expect(c.all('ui_event').find((e) => e.event === 'ERROR')).toMatchObject({
      error_code: 'PROCESSING_ERROR',
      hint: errorHint('PROCESSING_ERROR'),
    });
    expect(JSON.stringify(c.received)).not.toContain('evil.example');
    // The node itself is not told off for reporting: node_error is a log line, not an invalid frame.
    expect(ns[0]!.node.frames.filter((f) => f.type === 'error')).toEqual([]);
  });

  it('NO_TEXT_ASSIGNED / ASR_EMPTY resolve as missing_result no_text; all-empty as silence_detected', async () => {
    const reasons = ['NO_TEXT_ASSIGNED', 'ASR_EMPTY'];
    const { c } = await setup([
      (a) =>
        a.utterance_index < 2
          ? {
              kind: 'result',
              result: { text_asr: '', text_translated: '', extra: { reason: reasons[a.utterance_index] } },
            }
          : { kind: 'result', result: { text_asr: '', text_translated: '', tts_audio: '' } },
    ]);
    for (let i = 0; i < 3; i++) {
      say(c);
      await c.next('ui_event', (e) => e.event === 'DISPATCHED' && e.utterance_index === i);
    }
    await poll(() => resolutions(c).length === 3, { what: 'three resolutions' });
    expect(resolutions(c).map((f) => [f.type, f.utterance_index, f.reason])).toEqual([
      ['missing_result', 0, 'no_text'],
      ['missing_result', 1, 'no_text'],
      ['missing_result', 2, 'silence_detected'],
    ]);
  });

  it('duplicate and late results change nothing', async () => {
    const { c, ns } = await setup([() => ({ kind: 'duplicate' })]);
    const before = await stale();
    say(c);
    await c.next('translation_result');
    await poll(async () => (await stale()) === before + 1, { what: 'the duplicate counted as stale' });
    const a = ns[0]!.assigns[0] as JobAssign;
    ns[0]!.answer(a, { text_translated: 'late' });
    await poll(async () => (await stale()) === before + 2, { what: 'the late one counted as stale' });
    expect(c.all('translation_result')).toHaveLength(1);
  });

  it('job_ack / job_started → NODE_ACCEPTED once; asr_partial goes out at once; results come in index order', async () => {
    const { c, ns } = await setup([() => ({ kind: 'silent' })]);
    const n = ns[0]!;
    utterance(c, 0);
    utterance(c, 1);
    await n.waitForAssigns(2);
    const [a0, a1] = n.assigns as [JobAssign, JobAssign];
    const ref = { node_id: n.nodeId, session_id: c.sessionId, trace_id: a0.trace_id };
    n.node.send({ type: 'job_ack', job_id: a0.job_id, attempt_id: 1, ...ref });
    n.node.send({ type: 'job_started', job_id: a0.job_id, attempt_id: 1, ...ref });
    expect(await c.next('ui_event', (e) => e.event === 'NODE_ACCEPTED')).toMatchObject({
      job_id: a0.job_id,
      utterance_index: 0,
    });
    n.node.send({
      type: 'asr_partial',
      job_id: a1.job_id,
      utterance_index: 1,
      text: 'he',
      is_final: false,
      ...ref,
    });
    expect(await c.next('asr_partial')).toMatchObject({ utterance_index: 1, text: 'he', job_id: a1.job_id });
    n.answer(a1);
    n.answer(a0);
    await poll(() => resolutions(c).length === 2, { what: 'both results' });
    expect(resolutions(c).map((f) => f.utterance_index)).toEqual([0, 1]);
    expect(c.all('ui_event').filter((e) => e.event === 'NODE_ACCEPTED')).toHaveLength(1);
  });

  it('a job frame naming another node is refused with the field path', async () => {
    const { c, ns } = await setup([() => ({ kind: 'silent' })]);
    say(c);
    await ns[0]!.waitForAssigns(1);
    const a = ns[0]!.assigns[0] as JobAssign;
    ns[0]!.node.send({ ...a, type: 'job_result', success: true, node_id: 'someone-else', text_asr: 'x' });
    expect(await ns[0]!.node.next('error')).toMatchObject({
      code: 'INVALID_MESSAGE',
      details: { path: '/node_id' },
    });
    ns[0]!.answer(a);
    expect(await c.next('translation_result')).toMatchObject({ utterance_index: 0 });
  });

  it('a job frame whose session_id holds hash-tag braces is refused with the field path', async () => {
    const { c, ns } = await setup([() => ({ kind: 'silent' })]);
    say(c);
    await ns[0]!.waitForAssigns(1);
    const a = ns[0]!.assigns[0] as JobAssign;
    const ids = { job_id: a.job_id, attempt_id: a.attempt_id, node_id: ns[0]!.nodeId, trace_id: a.trace_id };
    for (const session_id of ['{x}', `${a.session_id}}`, '{']) {
      ns[0]!.node.send({ type: 'job_ack', ...ids, session_id });
      ns[0]!.node.send({ type: 'job_started', ...ids, session_id });
      ns[0]!.node.send({
        type: 'asr_partial',
        ...ids,
        session_id,
        utterance_index: 0,
        text: 'x',
        is_final: false,
      });
      ns[0]!.node.send({
        ...a,
        type: 'job_result',
        success: true,
        node_id: ns[0]!.nodeId,
        session_id,
        text_asr: 'x',
      });
      for (let i = 0; i < 4; i++) {
        expect(await ns[0]!.node.next('error')).toMatchObject({
          code: 'INVALID_MESSAGE',
          details: { path: '/session_id' },
        });
      }
    }
    ns[0]!.answer(a);
    expect(await c.next('translation_result')).toMatchObject({ utterance_index: 0 });
  });

  it('a gap older than the gap timeout is resolved as missing_result gap_timeout and its job cancelled', async () => {
    const { c, ns } = await setup([
      (a) => (a.utterance_index === 0 ? { kind: 'silent' } : { kind: 'result' }),
    ]);
    utterance(c, 0);
    utterance(c, 1);
    const missing = await c.next('missing_result');
    expect(missing).toMatchObject({ utterance_index: 0, reason: 'gap_timeout' });
    expect(await c.next('translation_result')).toMatchObject({ utterance_index: 1 });
    await poll(() => ns[0]!.cancels.length === 1, { what: 'the gapped job cancelled' });
    // its late result is dropped
    ns[0]!.answer(ns[0]!.assigns.find((a) => a.utterance_index === 0) as JobAssign);
    c.send({ type: 'client_heartbeat', session_id: c.sessionId, timestamp: 1 });
    await c.next('server_heartbeat');
    expect(resolutions(c)).toHaveLength(2);
  });

  it('deadline: job_cancel, release, retry on a different node; the first node’s late result is dropped', async () => {
    const behaviour: Behaviour = (a) => (a.attempt_id === 1 ? { kind: 'silent' } : { kind: 'result' });
    const { c, ns } = await setup([behaviour, behaviour]);
    const sentAt = Date.now();
    say(c);
    const r = await c.next('translation_result');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(JOB_TIMEOUT_MS);
    const assigns = allAssigns(ns);
    expect(assigns.map((a) => a.attempt_id).sort()).toEqual([1, 2]);
    const first = ns.find((n) => n.assigns[0]?.attempt_id === 1)!;
    const second = ns.find((n) => n !== first)!;
    expect(first.cancels).toMatchObject([{ type: 'job_cancel', job_id: r.job_id }]);
    expect(second.assigns[0]).toMatchObject({ job_id: r.job_id, attempt_id: 2, utterance_index: 0 });
    expect(c.all('ui_event').filter((e) => e.event === 'DISPATCHED')).toHaveLength(2);
    // both slots are free again: the first node's reservation was released at the timeout
    await poll(() => gw.parts.sessions.inFlight() === 0, { what: 'nothing in flight' });
    first.answer(first.assigns[0] as JobAssign, { text_translated: 'too late' });
    c.send({ type: 'client_heartbeat', session_id: c.sessionId, timestamp: 1 });
    await c.next('server_heartbeat');
    expect(c.all('translation_result')).toHaveLength(1);
  });

  it('attempts exhausted → missing_result job_timeout + ui_event ERROR JOB_TIMEOUT, never twice to one node', async () => {
    const { c, ns } = await setup([() => ({ kind: 'silent' }), () => ({ kind: 'silent' })]);
    say(c);
    const missing = await c.next('missing_result', () => true, 5_000);
    expect(missing).toMatchObject({ utterance_index: 0, reason: 'job_timeout' });
    expect(c.all('ui_event').find((e) => e.event === 'ERROR')).toMatchObject({ error_code: 'JOB_TIMEOUT' });
    expect(ns.map((n) => n.assigns.length)).toEqual([1, 1]);
    await poll(() => ns.every((n) => n.cancels.length === 1), { what: 'both attempts cancelled' });
  });
});
