/**
 * The node agent SDK against a real gateway process and real Redis: reconnect after a gateway restart keeps the
 * node id (token), a job the gateway gives up on is cancelled through the handler's AbortSignal, and a gateway
 * drain tells the node `draining` while its in-flight job still finishes and reaches the session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobContext } from '@lingua/node-agent';
import type { JobAssign, NodeStatus } from '@lingua/protocol';
import { forEachTopology, kitAdminHeaders, poll } from '@lingua/testkit';
import { afterEach, expect, it } from 'vitest';
import { TestStack, deferred, nextEvent, speak, tempDir, within } from './stack.js';

forEachTopology('node agent SDK on a real gateway', (target) => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('reconnects after the gateway restarts and keeps its node id through its token', async () => {
    stack = new TestStack(target);
    const first = await stack.gateway('gw-a');
    const stateDir = tempDir();
    const agent = stack.node(first.wsUrl('/ws/node'), { stateFile: join(stateDir, 'node.json') });
    const ready = nextEvent<NodeStatus>(agent, 'status', (s) => s.status === 'ready');
    const identity = await agent.start();
    await ready;
    expect(identity.nodeToken).toEqual(expect.any(String));
    const saved = await poll(() => readFileSync(join(stateDir, 'node.json'), 'utf8'), {
      what: 'identity file',
    });
    expect(JSON.parse(saved)).toMatchObject(identity);

    // A crash, then a new instance on the same address: the old owner still looks alive in Redis, so only the
    // token lets the node take its id back (without it the claim would be a NODE_ID_CONFLICT).
    await first.kill9();
    const reregistered = nextEvent<{ nodeId: string; registrations: number }>(agent, 'registered');
    const readyAgain = nextEvent<NodeStatus>(agent, 'status', (s) => s.status === 'ready');
    const second = await stack.gateway('gw-b', {}, first.port);
    expect(await reregistered).toMatchObject({ nodeId: identity.nodeId, registrations: 2 });
    expect((await readyAgain).node_id).toBe(identity.nodeId);

    const api = (await (
      await fetch(`${second.adminUrl}/api/v1/nodes/${identity.nodeId}`, { headers: kitAdminHeaders() })
    ).json()) as {
      identity: { owner: string };
    };
    expect(api.identity.owner).toBe('gw-b');

    const client = stack.client(second.wsUrl('/ws/session'));
    await client.connect();
    await speak(client);
    const [result] = await client.waitForResults(1);
    expect(result?.text_translated).toMatch(/^\[zh\] utt#0 \d+p$/);
  });

  it('cancels a job the gateway timed out: job_cancel aborts the handler signal', async () => {
    stack = new TestStack(target);
    const gw = await stack.gateway('gw-cancel', {
      LINGUA_JOB_TIMEOUT_MS: '1000',
      LINGUA_JOB_MAX_ATTEMPTS: '1',
    });
    const started = deferred<JobAssign>();
    const aborted = deferred<{ jobId: string; reason: unknown }>();
    const agent = stack.node(gw.wsUrl('/ws/node'), {
      handler: (job: JobAssign, ctx: JobContext) => {
        started.resolve(job);
        return new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.resolve({ jobId: job.job_id, reason: ctx.signal.reason });
            reject(ctx.signal.reason as Error);
          });
        });
      },
    });
    const ready = nextEvent<NodeStatus>(agent, 'status', (s) => s.status === 'ready');
    await agent.start();
    await ready;
    const cancelEvent = nextEvent<{ job_id: string; reason?: string }>(agent, 'cancel');
    const results: unknown[] = [];
    agent.on('result', (r) => results.push(r));

    const client = stack.client(gw.wsUrl('/ws/session'));
    await client.connect();
    await speak(client);
    const job = await within(started.promise, 10_000, 'job assigned');
    const abort = await within(aborted.promise, 10_000, 'handler aborted');
    expect(abort.jobId).toBe(job.job_id);
    expect(await cancelEvent).toMatchObject({ job_id: job.job_id, reason: 'timeout' });

    await client.waitForAllResolved(10_000);
    expect(client.missing.map((m) => [m.utterance_index, m.reason])).toEqual([[0, 'job_timeout']]);
    expect(client.results).toEqual([]);
    // A cancelled job owes the gateway no result.
    expect(results).toEqual([]);
  });

  it('a gateway drain (SIGTERM) tells the node draining and lets its in-flight job finish', async () => {
    stack = new TestStack(target);
    const gw = await stack.gateway('gw-drain', { LINGUA_DRAIN_TIMEOUT_MS: '8000' });
    const started = deferred<JobAssign>();
    const release = deferred();
    let abortedDuringDrain = false;
    const agent = stack.node(gw.wsUrl('/ws/node'), {
      handler: async (job: JobAssign, ctx: JobContext) => {
        started.resolve(job);
        await release.promise;
        abortedDuringDrain = ctx.signal.aborted;
        return {
          success: true,
          text_asr: 'held',
          text_translated: '[zh] held',
          tts_audio: '',
          tts_format: 'pcm16',
        };
      },
    });
    const ready = nextEvent<NodeStatus>(agent, 'status', (s) => s.status === 'ready');
    await agent.start();
    await ready;

    const client = stack.client(gw.wsUrl('/ws/session'), { reconnect: false });
    await client.connect();
    await speak(client);
    const job = await within(started.promise, 10_000, 'job assigned');

    const draining = nextEvent<NodeStatus>(agent, 'status', (s) => s.status === 'draining');
    process.kill(gw.pid, 'SIGTERM');
    expect((await draining).node_id).toBe(agent.nodeId);
    // The job is still running once the gateway has stopped admitting: only then does the node finish it.
    await poll(async () => (await fetch(`${gw.url}/readyz`)).status === 503, { what: 'readyz 503' });
    expect(agent.runningJobs).toBe(1);
    release.resolve();

    const [result] = await client.waitForResults(1, 10_000);
    expect(result).toMatchObject({ job_id: job.job_id, utterance_index: 0, text_translated: '[zh] held' });
    expect(abortedDuringDrain).toBe(false);
    await client.close();
    expect(await within(gw.exited, 15_000, 'gateway exit')).toEqual({ code: 0, signal: null });
  });
});
