import { forEachTopology, poll, uniquePrefix } from '@lingua/testkit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from './connection.js';
import { KeySchema } from './keys.js';
import {
  createMaintenanceQueue,
  createMaintenanceWorker,
  enqueueTakeover,
  takeoverJobId,
  type MaintenanceHandlers,
  type MaintenanceQueue,
  type MaintenanceWorker,
} from './queues.js';
import { connectionForTarget } from './scripts/target-connection.js';

it('takeover job ids are valid BullMQ custom ids whatever the instance id', () => {
  expect(takeoverJobId('gw-a', 1_000)).toBe('takeover-gw-a-1000');
  expect(takeoverJobId('host:1234:ab', 1_000)).not.toContain(':');
  expect(takeoverJobId('a:b', 1_000)).not.toBe(takeoverJobId('a%3Ab', 1_000));
  expect(takeoverJobId('gw-a', 1_000)).not.toBe(takeoverJobId('gw-a', 2_000));
});

forEachTopology('maintenance queue', (target) => {
  let conn: RedisConnection;
  const closers: (() => Promise<void>)[] = [];

  async function setup(
    handlers: Partial<MaintenanceHandlers>,
    opts: { sweepEveryMs?: number; concurrency?: number } = {},
  ): Promise<{ queue: MaintenanceQueue; worker: MaintenanceWorker; keys: KeySchema }> {
    const keys = new KeySchema(uniquePrefix('bull'));
    const queue = await createMaintenanceQueue(conn, keys, { sweepEveryMs: opts.sweepEveryMs ?? 60_000 });
    const worker = createMaintenanceWorker(
      conn,
      keys,
      { sweep: async () => {}, takeover: async () => {}, ...handlers },
      { concurrency: opts.concurrency ?? 1 },
    );
    closers.push(
      () => worker.close(),
      () => queue.close(),
    );
    return { queue, worker, keys };
  }

  beforeAll(() => {
    conn = connectionForTarget(target, 'queues-test');
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  afterAll(() => conn.quit());

  it('runs the scheduled sweep repeatedly from one cluster-wide schedule', async () => {
    let sweeps = 0;
    const { queue, keys } = await setup({ sweep: async () => void sweeps++ }, { sweepEveryMs: 200 });
    // A second instance upserting the same schedule does not add another one.
    const second = await createMaintenanceQueue(conn, keys, { sweepEveryMs: 200 });
    closers.push(() => second.close());
    expect(await queue.getJobSchedulersCount()).toBe(1);
    await poll(() => sweeps >= 3, { timeoutMs: 5_000, what: 'three sweeps' });
    // Every queue key carries the prefix's hash tag (one Cluster slot).
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual(['sweep']);
    expect(await conn.client.exists(`${keys.queuePrefix()}:maintenance:meta`)).toBe(1);
  });

  it('de-duplicates takeover jobs by instance id', async () => {
    const taken: string[] = [];
    const { queue } = await setup({ takeover: async (id) => void taken.push(id) });
    const ids = await Promise.all([
      enqueueTakeover(queue, 'gw-dead', 1_000),
      enqueueTakeover(queue, 'gw-dead', 1_000),
      enqueueTakeover(queue, 'gw-dead', 1_000),
    ]);
    expect(new Set(ids)).toEqual(new Set([takeoverJobId('gw-dead', 1_000)]));
    await poll(() => taken.length >= 1, { what: 'first takeover' });
    // Enqueued again after it ran (another instance noticing late), then a sentinel: with one worker slot and
    // FIFO order, a duplicate would have run before the sentinel does.
    await enqueueTakeover(queue, 'gw-dead', 1_000);
    await enqueueTakeover(queue, 'gw-sentinel', 1_000);
    await poll(() => taken.includes('gw-sentinel'), { what: 'sentinel takeover' });
    expect(taken).toEqual(['gw-dead', 'gw-sentinel']);
  });

  it('retries a takeover whose handler fails', async () => {
    let calls = 0;
    const { queue } = await setup({
      takeover: async () => {
        calls++;
        if (calls === 1) throw new Error('transient');
      },
    });
    await enqueueTakeover(queue, 'gw-flaky', 1_000);
    await poll(() => calls >= 2, { timeoutMs: 5_000, what: 'retried takeover' });
    const job = await poll(async () => {
      const j = await queue.getJob(takeoverJobId('gw-flaky', 1_000));
      return j && (await j.isCompleted()) && j;
    });
    expect(job.attemptsMade).toBe(2);
  });
});
