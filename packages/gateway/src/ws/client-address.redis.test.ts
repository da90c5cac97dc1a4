/**
 * The client address over real sockets: `X-Forwarded-For` counts only from a trusted proxy, the per-address
 * connection limit (429 before any WebSocket) applies to that address over both endpoints, and behind the shipped
 * haproxy config each client keeps its own address. Loopback addresses 127.0.0.x are distinct local addresses a
 * test can connect from.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { forEachTopology, poll, startHaproxy, TestNode, type HaproxyHandle } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';
import { attemptUpgrade, type UpgradeAttempt } from '../testing/upgrade-attempt.js';

forEachTopology('client address and connections per address', (target) => {
  let gw: TestGateway;
  const sockets: WebSocket[] = [];
  const nodes: TestNode[] = [];

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      LINGUA_TRUSTED_PROXIES: '127.0.0.1/32',
      LINGUA_MAX_CONNECTIONS_PER_IP: '2',
    });
  });
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.close();
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** An upgrade whose open socket is closed after the test. */
  const open = async (url: string, localAddress: string, xff?: string): Promise<UpgradeAttempt> => {
    const a = await attemptUpgrade(url, {
      localAddress,
      ...(xff === undefined ? {} : { headers: { 'X-Forwarded-For': xff } }),
    });
    if ('ws' in a) sockets.push(a.ws);
    return a;
  };
  /** The `peer` the gateway recorded for a node it registered from `localAddress`. */
  const peerOf = async (url: string, localAddress: string, xff?: string): Promise<string | undefined> => {
    const node = await TestNode.connect(url, {
      localAddress,
      ...(xff === undefined ? {} : { headers: { 'X-Forwarded-For': xff } }),
    });
    nodes.push(node);
    await node.register();
    const detail = await gw.getJson<{ identity?: { peer?: string } }>(`/api/v1/nodes/${node.nodeId}`);
    return detail.body.identity?.peer;
  };
  const too_many = (): Promise<number> =>
    gw.metricSum('lingua_ws_upgrades_rejected_total{reason="too_many_connections"}');

  it('X-Forwarded-For is ignored from an untrusted peer and used (from the right) from a trusted one', async () => {
    expect(await peerOf(gw.wsUrl('/ws/node'), '127.0.0.31', '203.0.113.7')).toBe('127.0.0.31');
    // The left entry is what the client claimed; the one the trusted proxy appended wins.
    expect(await peerOf(gw.wsUrl('/ws/node'), '127.0.0.1', '198.51.100.9, 203.0.113.8')).toBe('203.0.113.8');
  });

  it('the third socket of one address gets 429 over both endpoints, until one closes', async () => {
    const before = await too_many();
    const first = await open(gw.wsUrl('/ws/session'), '127.0.0.32');
    expect((await open(gw.wsUrl('/ws/node'), '127.0.0.32')).status).toBe(101);
    expect(first.status).toBe(101);
    expect(await open(gw.wsUrl('/ws/session'), '127.0.0.32')).toEqual({
      status: 429,
      body: 'too_many_connections\n',
    });
    expect((await open(gw.wsUrl('/ws/session'), '127.0.0.33')).status).toBe(101);
    expect(await too_many()).toBe(before + 1);
    if ('ws' in first) first.ws.close();
    await poll(async () => (await open(gw.wsUrl('/ws/session'), '127.0.0.32')).status === 101, {
      what: 'the closed socket gave its slot back',
    });
  });

  it('behind a trusted proxy each forwarded client has its own limit', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await open(gw.wsUrl('/ws/session'), '127.0.0.1', '192.0.2.5')).status).toBe(101);
    }
    expect((await open(gw.wsUrl('/ws/session'), '127.0.0.1', '192.0.2.5')).status).toBe(429);
    expect((await open(gw.wsUrl('/ws/session'), '127.0.0.1', '192.0.2.6')).status).toBe(101);
    // The same header from an untrusted peer is not believed: that peer is limited as itself.
    expect((await open(gw.wsUrl('/ws/session'), '127.0.0.34', '192.0.2.7')).status).toBe(101);
  });

  describe('behind the shipped haproxy config', () => {
    let proxy: HaproxyHandle;

    beforeAll(async () => {
      proxy = await startHaproxy({ backends: [{ host: '127.0.0.1', port: gw.port() }] });
      // Up once haproxy's health check passed: an upgrade through it gets a socket.
      await poll(
        async () => {
          const a = await attemptUpgrade(proxy.wsUrl('/ws/session'), { localAddress: '127.0.0.39' });
          if ('ws' in a) a.ws.close();
          return a.status === 101;
        },
        { what: 'haproxy routes to the gateway', intervalMs: 200 },
      );
    });
    afterAll(async () => {
      await proxy.stop();
    });

    it('the gateway sees the address each client connected to haproxy from, and limits it', async () => {
      expect(await peerOf(proxy.wsUrl('/ws/node'), '127.0.0.35')).toBe('127.0.0.35');
      for (let i = 0; i < 2; i++) {
        expect((await open(proxy.wsUrl('/ws/session'), '127.0.0.36')).status).toBe(101);
      }
      expect((await open(proxy.wsUrl('/ws/session'), '127.0.0.36')).status).toBe(429);
      expect((await open(proxy.wsUrl('/ws/session'), '127.0.0.37')).status).toBe(101);
    });
  });
});
