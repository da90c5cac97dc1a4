import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { forEachTopology, poll, ScriptedNode, TestClient } from '@lingua/testkit';
import { parseOpusPlanA, type JobAssign } from '@lingua/protocol';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

const PAUSE_MS = 500;
const GRACE_MS = 100;
/** 10 Opus packets of 20 ms. */
const MAX_UTTERANCE_MS = 200;
/** The test client's packets are 10 bytes framed. */
const MAX_BUFFER_BYTES = 2000;

forEachTopology('utterance triggers', (target) => {
  let gw: TestGateway;
  let node: ScriptedNode;
  const clients: TestClient[] = [];

  const session = async (): Promise<TestClient> => {
    const c = await TestClient.connect(gw.wsUrl('/ws/session'));
    clients.push(c);
    await c.init();
    return c;
  };
  const assignsOf = (c: TestClient): JobAssign[] => node.assigns.filter((a) => a.session_id === c.sessionId);
  const nextAssign = async (c: TestClient, n: number): Promise<JobAssign> => {
    await poll(() => assignsOf(c).length >= n, {
      what: `assignment ${n} of the session`,
      timeoutMs: 5_000,
      intervalMs: 5,
    });
    return assignsOf(c)[n - 1] as JobAssign;
  };
  const packets = (a: JobAssign): number => parseOpusPlanA(Buffer.from(a.audio, 'base64')).packets;

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      LINGUA_PAUSE_MS: String(PAUSE_MS),
      LINGUA_FINAL_GRACE_MS: String(GRACE_MS),
      LINGUA_MAX_UTTERANCE_MS: String(MAX_UTTERANCE_MS),
      LINGUA_MAX_AUDIO_BUFFER_BYTES: String(MAX_BUFFER_BYTES),
    });
    node = await ScriptedNode.start(gw.wsUrl('/ws/node'));
    await poll(() => gw.parts.index.candidatePools('zh', 'en').length > 0, { what: 'index has the node' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await node.close();
    await gw.stop();
  });

  it('is_final keeps the one trailing chunk the final frame overtook, then cuts', async () => {
    const c = await session();
    c.chunk(3, false, 1);
    c.final();
    c.chunk(2, false, 2); // overtaken by the final frame
    const a = await nextAssign(c, 1);
    expect(packets(a)).toBe(5);
    expect(a).toMatchObject({
      utterance_index: 0,
      is_manual_cut: true,
      padding_ms: 280,
      turn_id: expect.any(String),
    });
    expect(a.is_timeout_triggered).toBeUndefined();
    expect(a.is_max_duration_triggered).toBeUndefined();
    expect(await c.next('translation_result')).toMatchObject({ utterance_index: 0 });
  });

  it('a pause longer than pause_ms cuts the utterance, flagged is_timeout_triggered', async () => {
    const c = await session();
    const sentAt = Date.now();
    c.chunk(4);
    const a = await nextAssign(c, 1);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(PAUSE_MS);
    expect(packets(a)).toBe(4);
    expect(a).toMatchObject({ utterance_index: 0, is_timeout_triggered: true, padding_ms: 220 });
    expect(a.is_manual_cut).toBeUndefined();
  });

  it('max duration cuts share one turn id until a manual cut ends the turn; indexes grow by one', async () => {
    const c = await session();
    c.chunk(6);
    c.chunk(6); // 240 ms ≥ 200 ms
    const first = await nextAssign(c, 1);
    expect(first).toMatchObject({ utterance_index: 0, is_max_duration_triggered: true, padding_ms: 220 });
    expect(packets(first)).toBe(12);
    c.chunk(11);
    const second = await nextAssign(c, 2);
    expect(second).toMatchObject({
      utterance_index: 1,
      is_max_duration_triggered: true,
      turn_id: first.turn_id,
    });
    c.chunk(2, true);
    const third = await nextAssign(c, 3);
    expect(third).toMatchObject({ utterance_index: 2, is_manual_cut: true, turn_id: first.turn_id });
    c.chunk(1, true);
    const fourth = await nextAssign(c, 4);
    expect(fourth.utterance_index).toBe(3);
    expect(fourth.turn_id).not.toBe(first.turn_id);
    for (const i of [0, 1, 2, 3]) {
      expect(await c.next('translation_result')).toMatchObject({ utterance_index: i });
    }
  });

  it('buffer overflow cuts the accepted audio whole, then refuses the chunk with AUDIO_BUFFER_FULL', async () => {
    const c = await session();
    c.chunk(150); // 1500 bytes, 3 s: a max-duration cut is due after the hangover
    c.chunk(100); // 1000 more bytes do not fit
    const err = await c.next('error');
    expect(err).toMatchObject({ code: 'AUDIO_BUFFER_FULL', details: { seq: 1 } });
    const a = await nextAssign(c, 1);
    expect(packets(a)).toBe(150);
    expect(a).toMatchObject({ utterance_index: 0, is_max_duration_triggered: true });
    // the session keeps working
    c.chunk(1, true);
    expect((await nextAssign(c, 2)).utterance_index).toBe(1);
    expect(await c.next('translation_result')).toMatchObject({ utterance_index: 0 });
    expect(await c.next('translation_result')).toMatchObject({ utterance_index: 1 });
  });

  it('is_final with no audio buffered cuts nothing and uses no index', async () => {
    const c = await session();
    c.final();
    c.chunk(1, true);
    const a = await nextAssign(c, 1);
    expect(a.utterance_index).toBe(0);
    expect(packets(a)).toBe(1);
  });
});
