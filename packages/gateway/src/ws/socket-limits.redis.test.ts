/**
 * Per-socket limits on both endpoints, configured through LINGUA_* and enforced on real sockets: frame size
 * (ws `maxPayload`: a larger frame closes the socket with 1009, as the README documents), the inbound rate
 * limit on session sockets, and dead-peer detection by ping on session sockets.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { forEachTopology, poll, TestClient, TestNode } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

const MAX_FRAME = 4_096;

forEachTopology('socket limits', (target) => {
  let gw: TestGateway;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      LINGUA_MAX_FRAME_BYTES: String(MAX_FRAME),
      LINGUA_RATE_LIMIT_PER_S: '20',
      LINGUA_RATE_LIMIT_BURST: '20',
      LINGUA_WS_PING_INTERVAL_MS: '100',
      // A lost session socket ends its session at once instead of waiting for a resume.
      LINGUA_SESSION_RESUME_GRACE_MS: '0',
    });
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c()));
    await gw.stop();
  });

  /** A session_init frame padded with an unknown field to exactly `bytes` bytes. */
  const initOfSize = (bytes: number): string => {
    const base = {
      type: 'session_init',
      client_version: 'x',
      platform: 'web',
      src_lang: 'zh',
      tgt_lang: 'en',
    };
    const empty = JSON.stringify({ ...base, pad: '' }).length;
    return JSON.stringify({ ...base, pad: 'x'.repeat(bytes - empty) });
  };

  it('a session frame of LINGUA_MAX_FRAME_BYTES is served; one byte more closes the socket with 1009', async () => {
    const c = await TestClient.connect(gw.wsUrl('/ws/session'));
    closers.push(() => c.close());
    const fits = initOfSize(MAX_FRAME);
    expect(Buffer.byteLength(fits)).toBe(MAX_FRAME);
    c.send(fits);
    expect((await c.next('session_init_ack')).type).toBe('session_init_ack');
    c.send(initOfSize(MAX_FRAME + 1));
    expect((await c.closed).code).toBe(1009);
  });

  it('a node frame over the limit closes the node socket with 1009 and removes its registration', async () => {
    const node = await TestNode.connect(gw.wsUrl('/ws/node'));
    closers.push(() => node.close());
    await node.register();
    node.heartbeat({ installed_models: [{ model_id: 'm'.repeat(MAX_FRAME), kind: 'asr', version: '1' }] });
    expect((await node.closed).code).toBe(1009);
    await poll(
      async () =>
        !(await gw.getJson<{ registered: boolean }>(`/api/v1/nodes/${node.nodeId}`)).body.registered,
      { what: 'registration removed after the 1009 close' },
    );
  });

  it('a flooding session socket gets one RATE_LIMITED, stays open, and is served again after the refill', async () => {
    const c = await TestClient.connect(gw.wsUrl('/ws/session'));
    closers.push(() => c.close());
    await c.init();
    for (let i = 0; i < 60; i++) c.send({ type: 'client_heartbeat', session_id: c.sessionId, timestamp: i });
    expect(await c.next('error')).toMatchObject({ code: 'RATE_LIMITED' });
    await poll(() => c.all('server_heartbeat').length >= 19, { what: 'the burst was served' });
    // the burst (20, one spent on session_init) was served; the other 41 frames were dropped
    expect(c.all('server_heartbeat').length).toBeLessThanOrEqual(21);
    expect(c.all('error').filter((e) => e.code === 'RATE_LIMITED')).toHaveLength(1);
    const served = c.all('server_heartbeat').length;
    await poll(
      () => {
        c.send({ type: 'client_heartbeat', session_id: c.sessionId, timestamp: Date.now() });
        return c.all('server_heartbeat').length > served;
      },
      { what: 'heartbeat served after the refill', timeoutMs: 5_000, intervalMs: 200 },
    );
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a session client that stops answering pings is terminated and its session ends', async () => {
    const ws = new WebSocket(gw.wsUrl('/ws/session'), { autoPong: false });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const acked = new Promise<void>((resolve) => ws.once('message', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const sessionsBefore = (await gw.parts.metrics.sessions.active.get()).values[0]?.value ?? 0;
    ws.send(
      JSON.stringify({
        type: 'session_init',
        client_version: 'x',
        platform: 'web',
        src_lang: 'zh',
        tgt_lang: 'en',
      }),
    );
    await acked;
    const silentSince = Date.now();
    expect(await closed).toBe(1006); // terminated, no close handshake
    // two missed pongs at a 100 ms ping interval, with room for a busy machine
    expect(Date.now() - silentSince).toBeLessThan(1_500);
    const dead = await gw.parts.metrics.ws.deadPeers.get();
    expect(dead.values.find((v) => v.labels.endpoint === 'session')?.value).toBeGreaterThanOrEqual(1);
    await poll(
      async () => ((await gw.parts.metrics.sessions.active.get()).values[0]?.value ?? 0) <= sessionsBefore,
      { what: 'the session gone from this instance' },
    );
  });
});
