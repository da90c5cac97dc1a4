/**
 * What one peer may cost the gateway, over real sockets: the byte rate (a flood of large frames is refused before
 * decoding while other sockets stay served, and a node's results keep their own budget), the init deadline, the
 * sessions per token subject (or per address when authentication is off), the origin allow-list, and what peer
 * text reaches the log (cut to size, rate-limited per socket, never before registration).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { JobAssign } from '@lingua/protocol';
import {
  forEachTopology,
  heartbeatFrame,
  kitToken,
  poll,
  ScriptedNode,
  TestClient,
  TestNode,
  type RedisTarget,
} from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';
import { attemptUpgrade as attempt } from '../testing/upgrade-attempt.js';

/** Every line a pino logger wrote, parsed, plus the raw length of each. */
function captureLogs(): { logger: pino.Logger; lines: { raw: string; obj: Record<string, unknown> }[] } {
  const lines: { raw: string; obj: Record<string, unknown> }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const raw of chunk.toString('utf8').split('\n')) {
        if (raw !== '') lines.push({ raw, obj: JSON.parse(raw) as Record<string, unknown> });
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** `frame` padded with an unknown field to about `bytes` bytes. */
const padded = (frame: Record<string, unknown>, bytes: number): string =>
  JSON.stringify({ ...frame, pad: 'x'.repeat(Math.max(0, bytes - JSON.stringify(frame).length - 10)) });

const MB = 1_000_000;

function limitsSuite(target: RedisTarget): void {
  let gw: TestGateway;
  const logs = captureLogs();
  const closers: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    gw = await startTestGateway(
      target,
      {
        // 1 MiB frames, a 2 MiB byte burst (the defaults) refilled slowly: a drained budget stays drained for the
        // length of a test, and a frame budget that never binds.
        LINGUA_RATE_LIMIT_BYTES_PER_S: '1024',
        LINGUA_RATE_LIMIT_PER_S: '200',
        LINGUA_RATE_LIMIT_BURST: '200',
        LINGUA_MAX_SESSIONS_PER_SUBJECT: '2',
        LINGUA_ALLOWED_ORIGINS: 'https://app.example.com',
        LINGUA_FINAL_GRACE_MS: '10',
        // Free maps as large as a frame, so the node_error tests reach the log path (the map cap has its own tests).
        LINGUA_MAX_MAP_BYTES: String(MB + 48_576),
      },
      { logger: logs.logger },
    );
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });
  afterAll(async () => {
    await gw.stop();
  });

  const sessionUrl = (sub: string): string =>
    `ws://127.0.0.1:${gw.port()}/ws/session?access_token=${kitToken('session', { sub })}`;
  const refused = (endpoint: string, reason: string): Promise<number> =>
    gw.metricSum(`lingua_ws_frames_refused_total{endpoint="${endpoint}",reason="${reason}"}`);

  it('a flood of 1 MB frames is refused by the byte rate (RATE_LIMITED) while another socket stays served', async () => {
    const flooder = await TestClient.open(gw.wsUrl('/ws/session'));
    closers.push(() => flooder.close());
    const before = await refused('session', 'byte_rate');
    const heartbeat = { type: 'client_heartbeat', session_id: flooder.sessionId, timestamp: 1 };
    const big = padded(heartbeat, MB);
    for (let i = 0; i < 20; i++) flooder.send(big);
    expect(await flooder.next('error')).toMatchObject({ code: 'RATE_LIMITED' });

    const other = await TestClient.open(gw.wsUrl('/ws/session'));
    closers.push(() => other.close());
    other.send({ type: 'client_heartbeat', session_id: other.sessionId, timestamp: 2 });
    expect(await other.next('server_heartbeat')).toMatchObject({ session_id: other.sessionId });

    // Frames are handled in order: once a small heartbeat sent after the flood is answered, the flood is done.
    const served = flooder.all('server_heartbeat').length;
    await poll(
      () => {
        flooder.send({ ...heartbeat, timestamp: Date.now() });
        return flooder.all('server_heartbeat').length > served;
      },
      { what: 'the flooder served again after the refill', intervalMs: 200 },
    );
    expect(flooder.all('server_heartbeat').length).toBeLessThan(20);
    expect(await refused('session', 'byte_rate')).toBeGreaterThan(before);
    expect(flooder.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('sessions per subject: the third session_init of one subject gets RATE_LIMITED and creates nothing', async () => {
    const sub = `alice-${process.pid}-${Date.now()}`;
    const a1 = await TestClient.open(sessionUrl(sub));
    const a2 = await TestClient.open(sessionUrl(sub));
    const a3 = await TestClient.connect(sessionUrl(sub));
    closers.push(
      () => a1.close(),
      () => a2.close(),
      () => a3.close(),
    );
    const activeBefore = (await gw.parts.metrics.sessions.active.get()).values[0]?.value ?? 0;
    a3.send({ type: 'session_init', client_version: 'x', platform: 'web', src_lang: 'zh', tgt_lang: 'en' });
    expect(await a3.next(['session_init_ack', 'error'])).toMatchObject({
      type: 'error',
      code: 'RATE_LIMITED',
    });
    expect((await gw.parts.metrics.sessions.active.get()).values[0]?.value ?? 0).toBe(activeBefore);
    expect(a3.ws.readyState).toBe(WebSocket.OPEN);

    // Another subject is not affected; a closed socket gives its slot back.
    const bob = await TestClient.open(sessionUrl(`bob-${process.pid}-${Date.now()}`));
    closers.push(() => bob.close());
    await a1.close();
    await poll(
      async () => {
        a3.send({
          type: 'session_init',
          client_version: 'x',
          platform: 'web',
          src_lang: 'zh',
          tgt_lang: 'en',
        });
        return (await a3.next(['session_init_ack', 'error'])).type === 'session_init_ack';
      },
      { what: 'a slot freed by the closed socket', intervalMs: 100 },
    );
    expect(await gw.metricSum('lingua_sessions_total{outcome="RATE_LIMITED"}')).toBeGreaterThanOrEqual(1);
  });

  it('an Origin that is not allowed gets 403 on /ws/session; a listed one or none opens; /ws/node is not checked', async () => {
    const evil = { headers: { Origin: 'https://evil.example' } };
    const denied = await attempt(gw.wsUrl('/ws/session'), evil);
    expect(denied).toMatchObject({ status: 403, body: 'origin_not_allowed\n' });
    for (const opts of [{ headers: { Origin: 'https://app.example.com' } }, {}]) {
      const ok = await attempt(gw.wsUrl('/ws/session'), opts);
      expect(ok.status).toBe(101);
      if ('ws' in ok) ok.ws.close();
    }
    const node = await attempt(gw.wsUrl('/ws/node'), evil);
    expect(node.status).toBe(101);
    if ('ws' in node) node.ws.close();
    expect(
      await gw.metricSum('lingua_ws_upgrades_rejected_total{reason="origin_forbidden"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('a 1 MB node_error before registration gets one error and no long log line', async () => {
    logs.lines.length = 0;
    const node = await TestNode.connect(gw.wsUrl('/ws/node'));
    closers.push(() => node.close());
    const blob = 'z'.repeat(MB - 2_000);
    node.send({
      type: 'node_error',
      node_id: 'n-1',
      code: 'X',
      message: 'y'.repeat(1_000),
      details: { blob },
    });
    expect(await node.next('error')).toMatchObject({
      code: 'INVALID_MESSAGE',
      details: { path: '/type' },
      message: expect.stringContaining('node_register first') as unknown,
    });
    // The socket is still usable: it registers, and its frames after that are answered in order.
    await node.register();
    expect(node.frames.filter((f) => f.type === 'error')).toEqual([]);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const l of logs.lines) expect(l.raw.length).toBeLessThan(1_024);
  });

  it("a registered node's node_error is logged cut to size, at most 20 lines per 10 s, then one suppressed count", async () => {
    const node = await TestNode.connect(gw.wsUrl('/ws/node'));
    await node.register();
    logs.lines.length = 0;
    node.send({
      type: 'node_error',
      node_id: node.nodeId,
      code: 'BIG',
      message: 'm'.repeat(60_000),
      details: { blob: 'b'.repeat(500_000) },
    });
    const reported = (): { raw: string; obj: Record<string, unknown> }[] =>
      logs.lines.filter((l) => l.obj.msg === 'node reported an error' && l.obj.nodeId === node.nodeId);
    await poll(() => reported().length === 1, { what: 'the large node_error logged' });
    const line = reported()[0];
    expect(line?.raw.length).toBeLessThan(1_024);
    expect(line?.obj.message).toContain('[60000 chars]');
    expect(line?.obj.details).toContain('chars]');
    for (let i = 0; i < 40; i++) {
      node.send({ type: 'node_error', node_id: node.nodeId, code: 'SMALL', message: `n${i}` });
    }
    // A heartbeat sent after them is answered once they are all handled.
    node.heartbeat();
    await node.next('node_status');
    expect(reported()).toHaveLength(20);
    await node.close();
    await poll(
      () => logs.lines.find((l) => l.obj.msg === 'peer log lines suppressed' && l.obj.suppressed === 21),
      { what: 'the suppressed count logged at close' },
    );
  });
}

function deadlineSuite(target: RedisTarget): void {
  let gw: TestGateway;
  const closers: (() => Promise<unknown> | void)[] = [];
  let lang = 0;
  const refused = (endpoint: string, reason: string): Promise<number> =>
    gw.metricSum(`lingua_ws_frames_refused_total{endpoint="${endpoint}",reason="${reason}"}`);

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      LINGUA_INIT_TIMEOUT_MS: '300',
      // Everyone is anonymous: sessions count per client address.
      LINGUA_AUTH: 'off',
      LINGUA_MAX_SESSIONS_PER_SUBJECT: '1',
      // A frame budget that stays spent once spent.
      LINGUA_RATE_LIMIT_PER_S: '1',
      LINGUA_RATE_LIMIT_BURST: '50',
      LINGUA_FINAL_GRACE_MS: '10',
    });
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('a silent socket on either endpoint gets an error, then close 4008; established sockets stay open', async () => {
    const client = await TestClient.open(gw.wsUrl('/ws/session'), {}, { localAddress: '127.0.0.21' });
    const registered = await TestNode.connect(gw.wsUrl('/ws/node'));
    await registered.register();
    const silentNode = await TestNode.connect(gw.wsUrl('/ws/node'));
    const silentSession = await TestClient.connect(gw.wsUrl('/ws/session'));
    closers.push(
      () => client.close(),
      () => registered.close(),
    );
    expect(await silentNode.closed).toMatchObject({ code: 4008 });
    expect(await silentSession.closed).toMatchObject({ code: 4008 });
    expect(silentNode.frames.find((f) => f.type === 'error')).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(silentSession.all('error')[0]).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(registered.ws.readyState).toBe(WebSocket.OPEN);
    expect(
      await gw.metricSum('lingua_ws_closed_by_gateway_total{endpoint="node",reason="init_timeout"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await gw.metricSum('lingua_ws_closed_by_gateway_total{endpoint="session",reason="init_timeout"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('a node that spent its frame budget is rate-limited, yet its job results and failures still reach the session', async () => {
    const [a, b] = [`pl${++lang}`, `ql${lang}`];
    const node = await ScriptedNode.start(gw.wsUrl('/ws/node'), {
      behaviour: () => ({ kind: 'silent' }),
      register: { language_capabilities: { asr_languages: [a, b], semantic_languages: [a, b] } },
    });
    closers.push(() => node.close());
    await poll(() => gw.parts.index.candidatePools(a, b).length > 0, { what: 'index serves the pair' });
    const c = await TestClient.open(
      gw.wsUrl('/ws/session'),
      { src_lang: a, tgt_lang: b },
      { localAddress: '127.0.0.24' },
    );
    closers.push(() => c.close());
    c.chunk(2, true);
    await node.waitForAssigns(1);
    c.chunk(2, true);
    await node.waitForAssigns(2);
    const [first, second] = node.assigns as [JobAssign, JobAssign];

    const before = await refused('node', 'frame_rate');
    // 60 frames on a budget of 50 refilled at 1/s: the main budget is empty when the results arrive.
    for (let i = 0; i < 60; i++) node.node.send(heartbeatFrame(node.nodeId));
    expect(await node.node.next('error', (f) => f.code === 'RATE_LIMITED')).toBeDefined();
    node.answer(first);
    node.fail(second, 'MODEL_NOT_AVAILABLE', 'no model');
    expect(await c.next('translation_result')).toMatchObject({ utterance_index: first.utterance_index });
    expect(await c.next('error', (f) => f.code === 'MODEL_NOT_AVAILABLE')).toBeDefined();
    expect(await refused('node', 'frame_rate')).toBeGreaterThan(before);
    // Anything else is still refused.
    node.node.heartbeat();
    await poll(async () => (await refused('node', 'frame_rate')) > before + 10, {
      what: 'the rest of the flood and the late heartbeat refused',
    });
  });

  it('anonymous sessions count per client address', async () => {
    const first = await TestClient.open(gw.wsUrl('/ws/session'), {}, { localAddress: '127.0.0.22' });
    const second = await TestClient.connect(gw.wsUrl('/ws/session'), { localAddress: '127.0.0.22' });
    const elsewhere = await TestClient.open(gw.wsUrl('/ws/session'), {}, { localAddress: '127.0.0.23' });
    closers.push(
      () => first.close(),
      () => second.close(),
      () => elsewhere.close(),
    );
    second.send({
      type: 'session_init',
      client_version: 'x',
      platform: 'web',
      src_lang: 'zh',
      tgt_lang: 'en',
    });
    expect(await second.next(['session_init_ack', 'error'])).toMatchObject({ code: 'RATE_LIMITED' });
    expect(elsewhere.sessionId).not.toBe('');
  });
}

forEachTopology('peer limits', (target) => {
  describe('limits', () => limitsSuite(target));
  describe('init deadline, anonymous sessions, node results on a spent budget', () => deadlineSuite(target));
});
