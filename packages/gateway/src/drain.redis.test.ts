import { afterAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { forEachTopology, poll, TestNode } from '@lingua/testkit';
import type { SessionSide } from './sessions/session-side.js';
import { startTestGateway, type TestGateway } from './testing/test-gateway.js';

forEachTopology('graceful drain', (target) => {
  const started: TestGateway[] = [];
  afterAll(async () => {
    await Promise.all(started.map((g) => g.stop()));
  });

  it('readiness off → new sockets refused → nodes draining → waits for in-flight jobs → closes', async () => {
    let inFlight = 1;
    let drainHookCalled = false;
    const sessions: SessionSide = {
      attach: (ws) => ws.close(),
      inFlight: () => inFlight,
      onDrain: () => {
        drainHookCalled = true;
      },
      stop: () => undefined,
    };
    const gw = await startTestGateway(target, { LINGUA_DRAIN_TIMEOUT_MS: '10000' }, { sessions });
    started.push(gw);
    const node = await TestNode.connect(gw.wsUrl('/ws/node'));
    await node.register();
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');

    const drained = gw.drain();
    expect((await node.next('node_status')).status).toBe('draining');
    expect((await fetch(gw.httpUrl('/readyz'))).status).toBe(503);
    const refused = new WebSocket(gw.wsUrl('/ws/node'));
    const status = await new Promise<number>((resolve) =>
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(503);
    expect(drainHookCalled).toBe(true);
    const view = await gw.getJson<{ record: { status: string }; free_slots: number }>(
      `/api/v1/nodes/${node.nodeId}`,
    );
    expect(view.body.record.status).toBe('draining');
    expect(view.body.free_slots).toBe(0);
    // Still open while a job is in flight.
    expect(node.ws.readyState).toBe(WebSocket.OPEN);

    inFlight = 0;
    await drained;
    expect((await node.closed).code).toBe(1001);
    // The registration was removed before Redis was disconnected: check from a second gateway.
    const probe = await startTestGateway(target, { LINGUA_KEY_PREFIX: gw.parts.config.keyPrefix });
    started.push(probe);
    const after = await probe.getJson<{ registered: boolean }>(`/api/v1/nodes/${node.nodeId}`);
    expect(after.body.registered).toBe(false);
  });

  it('gives up waiting after LINGUA_DRAIN_TIMEOUT_MS', async () => {
    const sessions: SessionSide = {
      attach: (ws) => ws.close(),
      inFlight: () => 1,
      onDrain: () => undefined,
      stop: () => undefined,
    };
    const gw = await startTestGateway(target, { LINGUA_DRAIN_TIMEOUT_MS: '300' }, { sessions });
    const startedAt = Date.now();
    await gw.drain();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    await poll(async () => (await fetch(gw.httpUrl('/healthz')).catch(() => undefined)) === undefined, {
      what: 'HTTP server closed',
    });
  });
});
