/**
 * A client that sends session_init and hangs up before the ack: the session is created in Redis meanwhile, and the
 * instance must not keep it on its ownership list (what a takeover walks) for the rest of its life.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { listOwned } from '@lingua/store';
import { forEachTopology, poll } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

const SOCKETS = 5;

forEachTopology('session_init abandoned before its ack', (target) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_SESSION_RESUME_GRACE_MS: '0' });
  });
  afterAll(async () => {
    await gw.stop();
  });

  const openedOk = async (): Promise<number> =>
    (await gw.parts.metrics.sessions.opened.get()).values.find((v) => v.labels.outcome === 'ok')?.value ?? 0;

  it('leaves no entry on the instance ownership list', async () => {
    for (let i = 0; i < SOCKETS; i++) {
      const ws = new WebSocket(gw.wsUrl('/ws/session'));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      // The close frame follows in the same write: the socket is gone before Redis has created the session.
      ws.send(
        JSON.stringify({
          type: 'session_init',
          client_version: 'x',
          platform: 'web',
          src_lang: 'zh',
          tgt_lang: 'en',
        }),
      );
      ws.close();
      await closed;
    }
    await poll(async () => (await openedOk()) >= SOCKETS, { what: 'every session created' });
    const keys = gw.parts.keys.instance(gw.parts.instanceId);
    await poll(async () => (await listOwned(gw.parts.redis, keys)).sessions.length === 0, {
      what: 'the abandoned sessions off the ownership list',
      timeoutMs: 3_000,
    });
    expect((await listOwned(gw.parts.redis, keys)).sessions).toEqual([]);
  });
});
