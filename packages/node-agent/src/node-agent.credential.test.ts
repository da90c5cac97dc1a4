import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobContext } from './job-types.js';
import { NodeAgentError } from './errors.js';
import { NodeAgent, type NodeAgentOptions } from './node-agent.js';
import { simProfile } from './sim/profile.js';
import { FakeNodeGateway } from './testing/fake-gateway.js';
import { jobAssign } from './testing/job-assign.js';

const profile = simProfile({ asrLanguages: ['en'], targetLanguages: ['zh'] });

/** The `stopped` event (not `events.once`, which would reject on the `error` event that precedes it). */
function whenStopped(agent: NodeAgent): Promise<{ error?: NodeAgentError }> {
  return new Promise((resolve) => agent.once('stopped', resolve));
}

describe('NodeAgent credential', () => {
  let gateways: FakeNodeGateway[];
  let agents: NodeAgent[];

  const startGateway = async () => {
    const gateway = await FakeNodeGateway.start();
    gateways.push(gateway);
    return gateway;
  };

  const makeAgent = (opts: Partial<NodeAgentOptions> & { url: string }) => {
    const agent = new NodeAgent({
      profile,
      handler: () => Promise.resolve({ success: true, text_asr: 'a', text_translated: 'b' }),
      drainOnSigterm: false,
      backoff: { initialMs: 5, maxMs: 20, jitter: 0 },
      ...opts,
    });
    agents.push(agent);
    return agent;
  };

  beforeEach(() => {
    gateways = [];
    agents = [];
  });

  afterEach(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(gateways.map((g) => g.close()));
  });

  it('sends the token option as a Bearer header, dropping an access_token of the URL (the header wins)', async () => {
    const gateway = await startGateway();
    const agent = makeAgent({ url: `${gateway.url}/ws/node?access_token=from-url`, token: 'from-option' });
    expect(agent.url).toBe(`${gateway.url}/ws/node`);
    const started = agent.start();
    await (await gateway.nextConnection()).accept('n-1');
    await started;
    const [upgrade] = gateway.upgrades;
    expect(upgrade?.headers.authorization).toBe('Bearer from-option');
    expect(upgrade?.url).toBe('/ws/node');
  });

  it('keeps a token that travels in the URL, and sends no header of its own', async () => {
    const gateway = await startGateway();
    const agent = makeAgent({ url: `${gateway.url}/ws/node?access_token=from-url` });
    const started = agent.start();
    await (await gateway.nextConnection()).accept('n-1');
    await started;
    const [upgrade] = gateway.upgrades;
    expect(upgrade?.url).toBe('/ws/node?access_token=from-url');
    expect(upgrade?.headers.authorization).toBeUndefined();
  });

  it('refuses an unusable token option', () => {
    expect(() => makeAgent({ url: 'ws://127.0.0.1:1', token: 'two words' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }) as unknown as Error,
    );
  });

  it('stops with AUTH_REJECTED at a 401, without retrying, while any other refusal is retried', async () => {
    const refusing = await startGateway();
    refusing.refuseUpgrades({ status: 401, body: 'expired\n' });
    const busy = await startGateway();
    busy.refuseUpgrades({ status: 503 });
    const refused = makeAgent({ url: refusing.url, token: 'stale' });
    const retried = makeAgent({ url: busy.url, token: 'fine' });
    const errors: NodeAgentError[] = [];
    refused.on('error', (e) => errors.push(e));
    let reconnects = 0;
    refused.on('reconnecting', () => reconnects++);
    const stopped = whenStopped(refused);

    const outcome = refused.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    void retried.start();
    const err = await outcome;
    expect(err).toBeInstanceOf(NodeAgentError);
    expect(err).toMatchObject({
      code: 'AUTH_REJECTED',
      details: { status: 401, reason: 'expired' },
      message: 'the gateway refused the credential: 401 Unauthorized (expired)',
    });
    const { error } = await stopped;
    expect(error).toBe(err);
    expect(errors).toEqual([err]);
    expect(refused.lifecycle).toBe('stopped');

    // Same backoff on both agents: by the time the 503 agent has tried four times, the 401 agent would have too.
    await busy.untilUpgrades(4);
    expect(refusing.upgrades).toHaveLength(1);
    expect(reconnects).toBe(0);
  });

  it('stops a registered agent whose credential is refused on reconnect, aborting its running job', async () => {
    const gateway = await startGateway();
    let jobCtx: JobContext | undefined;
    const jobStarted = new Promise<void>((resolve) => {
      agents.push(
        new NodeAgent({
          url: gateway.url,
          token: 'revoked-soon',
          profile,
          drainOnSigterm: false,
          backoff: { initialMs: 5, maxMs: 20, jitter: 0 },
          handler: (_job, ctx) => {
            jobCtx = ctx;
            resolve();
            return new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
            });
          },
        }),
      );
    });
    const agent = agents[0]!;
    const started = agent.start();
    const conn = await gateway.nextConnection();
    await conn.accept('n-1');
    await started;
    conn.send(jobAssign('j1', 0));
    await jobStarted;

    gateway.refuseUpgrades({ status: 403, body: 'wrong_role\n' });
    const stopped = whenStopped(agent);
    conn.ws.terminate();
    const { error } = await stopped;
    expect(error).toMatchObject({ code: 'AUTH_REJECTED', details: { status: 403, reason: 'wrong_role' } });
    expect(jobCtx?.signal.aborted).toBe(true);
    expect(gateway.upgrades).toHaveLength(2);
    expect(agent.lifecycle).toBe('stopped');
  });
});
