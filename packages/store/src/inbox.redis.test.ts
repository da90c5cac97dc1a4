import { forEachTopology, killPubSubClients, pauseClients, poll, uniquePrefix } from '@lingua/testkit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from './connection.js';
import { Inbox, type InboxOptions } from './inbox.js';
import { KeySchema } from './keys.js';
import { ScriptRunner } from './scripts/loader.js';
import { connectionForTarget } from './scripts/target-connection.js';

const PROBE_MS = 1_000;

interface Received {
  payload: string;
  seq: number;
  at: number;
}

forEachTopology('inbox', (target) => {
  let conn: RedisConnection;
  let runner: ScriptRunner;
  const keys = new KeySchema(uniquePrefix('inbox'));
  const running: Inbox[] = [];

  function inbox(instanceId: string, extra: Partial<InboxOptions> = {}): Inbox {
    const box = new Inbox({ conn, runner, keys, instanceId, probeMs: PROBE_MS, ...extra });
    running.push(box);
    return box;
  }

  async function started(instanceId: string): Promise<{ box: Inbox; got: Received[] }> {
    const box = inbox(instanceId);
    const got: Received[] = [];
    await box.start((payload, meta) => got.push({ payload, seq: meta.seq, at: Date.now() }));
    return { box, got };
  }

  beforeAll(async () => {
    conn = connectionForTarget(target, 'inbox-test');
    runner = new ScriptRunner(conn);
    await runner.load();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
  });
  afterAll(() => conn.quit());

  it('delivers a published message with its sequence', async () => {
    const { got } = await started('rx-basic');
    const sender = inbox('tx-basic');
    expect(await sender.publish('rx-basic', 'hello|with|bars')).toBeGreaterThan(0);
    const [first] = await poll(() => got.length === 1 && got, { what: 'message' });
    expect(first).toMatchObject({ payload: 'hello|with|bars' });
    expect(first?.seq).toBeGreaterThan(0);
  });

  it('sends what one turn publishes to one target in one script call, each message with its own sequence', async () => {
    const { got } = await started('rx-batch');
    const calls: string[] = [];
    const counting = Object.create(runner) as ScriptRunner;
    counting.run = (name, keys, args) => {
      calls.push(name);
      return runner.run(name, keys, args);
    };
    const sender = inbox('tx-batch', { runner: counting });
    const seqs = await Promise.all(['a', 'b|c', 'd', 'e'].map((p) => sender.publish('rx-batch', p)));
    expect(calls).toEqual(['inbox-publish']);
    expect(seqs.map((s) => s - (seqs[0] as number))).toEqual([0, 1, 2, 3]);
    await poll(() => got.length === 4, { what: 'four messages' });
    expect(got.map((g) => [g.payload, g.seq])).toEqual([
      ['a', seqs[0]],
      ['b|c', seqs[1]],
      ['d', seqs[2]],
      ['e', seqs[3]],
    ]);
    expect(await conn.client.xlen(keys.instance('rx-batch').log)).toBeGreaterThanOrEqual(4);
    // The next turn is a new call.
    await sender.publish('rx-batch', 'f');
    expect(calls).toEqual(['inbox-publish', 'inbox-publish']);
  });

  it('starts at the current sequence: earlier messages are not its business', async () => {
    const sender = inbox('tx-late');
    for (let i = 0; i < 3; i++) await sender.publish('rx-late', `old-${i}`);
    const { box, got } = await started('rx-late');
    expect(box.stats().lastSeq).toBe(3);
    await sender.publish('rx-late', 'new');
    await poll(() => got.length === 1, { what: 'new message' });
    expect(got.map((g) => [g.payload, g.seq])).toEqual([['new', 4]]);
  });

  it('fills a sequence gap from the replay log, in order', async () => {
    const { box, got } = await started('rx-gap');
    const sender = inbox('tx-gap');
    const own = keys.instance('rx-gap');
    await sender.publish('rx-gap', 'a');
    // Two entries pub/sub never carried: sequence and log as inbox-publish would write them, no SPUBLISH.
    for (const p of ['b', 'c']) {
      const seq = await conn.client.incr(own.seq);
      await conn.client.xadd(own.log, '*', 'seq', String(seq), 'payload', `m${p}`);
    }
    await sender.publish('rx-gap', 'd');
    await poll(() => got.length === 4, { what: 'four messages' });
    expect(got.map((g) => g.payload)).toEqual(['a', 'b', 'c', 'd']);
    expect(got.map((g) => g.seq)).toEqual([1, 2, 3, 4]);
    expect(box.stats().replayed).toBeGreaterThanOrEqual(2);
  });

  it('keeps delivering when the sequence goes backwards (a failover lost the last INCRs)', async () => {
    const { got } = await started('rx-reset');
    const sender = inbox('tx-reset');
    await sender.publish('rx-reset', 'before-1');
    await sender.publish('rx-reset', 'before-2');
    await poll(() => got.length === 2, { what: 'two messages' });
    await conn.client.set(keys.instance('rx-reset').seq, '1');
    await sender.publish('rx-reset', 'after');
    await poll(() => got.length === 3, { what: 'message after the reset' });
    expect(got.map((g) => g.payload)).toEqual(['before-1', 'before-2', 'after']);
  });

  it('recovers from a silently deaf subscription within the probe interval', async () => {
    const { box, got } = await started('rx-deaf');
    const sender = inbox('tx-deaf');
    await sender.publish('rx-deaf', 'warm-up');
    await poll(() => got.length === 1, { what: 'warm-up message' });
    // Unsubscribe behind the Inbox's back: the connection stays up, nothing arrives any more.
    const sub = box.subscription();
    expect(sub).toBeDefined();
    await sub?.conn.client.sunsubscribe(sub.channel);
    const sentAt = Date.now();
    await sender.publish('rx-deaf', 'while-deaf');
    const [, late] = await poll(() => got.length === 2 && got, {
      what: 'message after deafness',
      timeoutMs: 5_000,
    });
    expect(late?.payload).toBe('while-deaf');
    expect((late?.at ?? Infinity) - sentAt).toBeLessThanOrEqual(PROBE_MS);
    expect(box.stats().resubscribes).toBeGreaterThanOrEqual(1);
    expect(box.stats().probesMissed).toBeGreaterThanOrEqual(1);
    // Probes come back over the fresh subscription and report their round trip.
    const lag = await poll(() => box.stats().lagMs >= 0 && box.stats().lagMs, { what: 'a returned probe' });
    expect(lag).toBeLessThan(PROBE_MS);
  });

  it('delivers 10,000 messages in order, exactly once, through a killed and a deaf subscription and a paused Redis', async () => {
    const TOTAL = 10_000;
    const LANES = 4;
    const { box, got } = await started('rx-bulk');
    const sender = inbox('tx-bulk');
    let killedAt = 0;
    let deafAt = 0;
    let pausedAt = 0;
    const faults = (async () => {
      await poll(() => got.length >= 2_500, { timeoutMs: 30_000, what: '2,500 delivered' });
      expect(await killPubSubClients(target)).toBeGreaterThan(0);
      killedAt = got.length;
      await poll(() => got.length >= 5_000, { timeoutMs: 30_000, what: '5,000 delivered' });
      const sub = box.subscription();
      await sub?.conn.client.sunsubscribe(sub.channel);
      deafAt = Date.now();
      const resubscribesBefore = box.stats().resubscribes;
      await poll(() => box.stats().resubscribes > resubscribesBefore, {
        timeoutMs: 5_000,
        what: 'resubscribe',
      });
      const recoveredMs = Date.now() - deafAt;
      await poll(() => got.length >= 7_500, { timeoutMs: 30_000, what: '7,500 delivered' });
      pausedAt = got.length;
      await pauseClients(target, 300);
      return recoveredMs;
    })();
    // Each lane publishes its share sequentially, so within a lane publish order is known.
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let i = lane; i < TOTAL; i += LANES) await sender.publish('rx-bulk', `${lane}:${i}`);
      }),
    );
    const recoveredMs = await faults;
    await poll(() => got.length >= TOTAL, { timeoutMs: 20_000, what: 'all messages' });

    expect(killedAt).toBeGreaterThan(0);
    expect(pausedAt).toBeGreaterThan(0);
    expect(recoveredMs).toBeLessThanOrEqual(PROBE_MS);
    expect(got).toHaveLength(TOTAL);
    // Exactly once: every payload, no duplicates.
    expect(new Set(got.map((g) => g.payload)).size).toBe(TOTAL);
    // In order: sequences only grow, and each lane's messages arrive in the order they were published.
    for (let i = 1; i < got.length; i++)
      expect((got[i] as Received).seq).toBeGreaterThan((got[i - 1] as Received).seq);
    const lastOfLane = new Map<string, number>();
    for (const g of got) {
      const [lane, n] = g.payload.split(':');
      expect(Number(n)).toBeGreaterThan(lastOfLane.get(lane as string) ?? -1);
      lastOfLane.set(lane as string, Number(n));
    }
    const stats = box.stats();
    console.log(`inbox (${target.topology}) 10k stats`, stats);
    expect(stats.replayed).toBeGreaterThan(0);
    expect(stats.resubscribes).toBeGreaterThanOrEqual(1);
    expect(stats.lost).toBe(0);
  }, 60_000);

  it('stops delivering after stop()', async () => {
    const { box, got } = await started('rx-stop');
    const sender = inbox('tx-stop');
    await sender.publish('rx-stop', 'one');
    await poll(() => got.length === 1, { what: 'first message' });
    await box.stop();
    await sender.publish('rx-stop', 'two');
    // A second, live receiver on the same inbox proves the message went out while the stopped one stayed quiet.
    const other = await started('rx-stop');
    await sender.publish('rx-stop', 'three');
    await poll(() => other.got.length === 1, { what: 'message at the second receiver' });
    expect(got.map((g) => g.payload)).toEqual(['one']);
  });
});
