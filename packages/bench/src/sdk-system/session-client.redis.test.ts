/**
 * The session client SDK against a real gateway process and real Redis: after the gateway it was connected to
 * crashes and a new instance takes its address, the client reconnects, resumes the same session with its resume
 * token (ext `resume`), and keeps streaming: utterance numbering carries on and every result arrives once.
 * (The cross-instance resume matrix — resume on a live other instance, replay of unacknowledged results — is
 * covered by the gateway's and test/'s system tests; this one is about the SDK's reconnect path.)
 */
import type { NodeStatus, SessionInitAck } from '@lingua/protocol';
import { KeySchema } from '@lingua/store';
import { createRedisClient, forEachTopology, poll } from '@lingua/testkit';
import { afterEach, expect, it } from 'vitest';
import { TestStack, nextEvent, speak } from './stack.js';

forEachTopology('session client SDK on a real gateway', (target) => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('resumes its session on the gateway that replaced a crashed one', async () => {
    stack = new TestStack(target);
    const first = await stack.gateway('gw-a');
    const agent = stack.node(first.wsUrl('/ws/node'));
    const ready = nextEvent<NodeStatus>(agent, 'status', (s) => s.status === 'ready');
    await agent.start();
    await ready;

    const client = stack.client(first.wsUrl('/ws/session'));
    const resumeFailures: unknown[] = [];
    client.on('resume_failed', (f) => resumeFailures.push(f));
    const opened = await client.connect();
    expect(opened.resume_token).toEqual(expect.any(String));
    await speak(client, 600, 1);
    await client.waitForResults(1);
    // The gateway forgets a delivered result once the client's pong acknowledges it; a crash before that would
    // rightly replay it (at least once). Crash after, so that exactly-once is what the resume must show.
    const redis = createRedisClient(target);
    try {
      const out = new KeySchema(stack.keyPrefix).session(opened.session_id).out;
      await poll(async () => (await redis.xlen(out)) === 0, { what: 'result 0 acknowledged' });
    } finally {
      redis.disconnect();
    }

    await first.kill9();
    const resumedAck = nextEvent<SessionInitAck>(client, 'ack');
    const nodeBack = nextEvent<NodeStatus>(agent, 'status', (s) => s.status === 'ready');
    await stack.gateway('gw-b', {}, first.port);
    const ack = await resumedAck;
    expect(ack).toMatchObject({ session_id: opened.session_id, resumed: true });
    await nodeBack;

    await speak(client, 600, 2);
    await client.waitForAllResolved(10_000);
    expect(resumeFailures).toEqual([]);
    expect(client.missing).toEqual([]);
    expect(client.results.map((r) => [r.session_id, r.utterance_index])).toEqual([
      [opened.session_id, 0],
      [opened.session_id, 1],
    ]);
    expect(client.results[1]?.text_translated).toMatch(/^\[zh\] utt#1 \d+p$/);
    expect(client.utterances.duplicates).toBe(0);
  });
});
