/**
 * The SDKs' `token` option against a real gateway with authentication on: the credential travels as
 * `Authorization: Bearer` (and wins over a URL's `access_token`), and a credential the gateway refuses ends the
 * agent or client with AUTH_REJECTED instead of a reconnect loop.
 */
import type { NodeAgentError } from '@lingua/node-agent';
import type { NodeStatus } from '@lingua/protocol';
import { forEachTopology, kitToken } from '@lingua/testkit';
import { afterEach, expect, it } from 'vitest';
import { TestStack, nextEvent, speak } from './stack.js';

forEachTopology('SDK credentials on a real gateway', (target) => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('authenticates a node and a session with the token option, and stops on a refused token', async () => {
    stack = new TestStack(target);
    const gw = await stack.gateway('gw-auth');
    const base = `ws://127.0.0.1:${gw.port}`;

    // The header wins: the URL's (invalid) access_token is dropped rather than sent alongside it.
    const agent = stack.node(`${base}/ws/node?access_token=not-a-jwt`, { token: kitToken('node') });
    const ready = nextEvent<NodeStatus>(agent, 'status', (s) => s.status === 'ready');
    await agent.start();
    await ready;
    const client = stack.client(`${base}/ws/session`, { token: kitToken('session') });
    await client.connect();
    await speak(client);
    const [result] = await client.waitForResults(1);
    expect(result?.text_translated).toMatch(/^\[zh\] utt#0 \d+p$/);

    const intruder = stack.node(`${base}/ws/node`, { token: kitToken('session') });
    let reconnects = 0;
    intruder.on('reconnecting', () => reconnects++);
    const stopped = new Promise<{ error?: NodeAgentError }>((resolve) => intruder.once('stopped', resolve));
    await expect(intruder.start()).rejects.toMatchObject({
      code: 'AUTH_REJECTED',
      details: { status: 403, reason: 'wrong_role' },
    });
    expect((await stopped).error?.code).toBe('AUTH_REJECTED');
    expect(reconnects).toBe(0);

    const late = stack.client(`${base}/ws/session`, { token: kitToken('session', { ttlMs: -3_600_000 }) });
    await expect(late.connect()).rejects.toMatchObject({
      code: 'AUTH_REJECTED',
      details: { status: 401, reason: 'expired' },
    });
  });
});
