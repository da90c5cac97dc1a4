import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { ScriptRunner } from '../scripts/loader.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { jobOpen } from './job-open.js';
import type { JobRecord } from './job-record.js';
import { jobRebind } from './job-rebind.js';
import { jobTransition } from './job-transition.js';
import { sessionClaim } from './session-claim.js';

forEachTopology('job scripts', (target) => {
  let conn: RedisConnection;
  let runner: ScriptRunner;
  const keys = new KeySchema(uniquePrefix('job'));

  const record = (id: string, idx: number, node = 'n1'): JobRecord => ({
    id,
    idx,
    tgt: 'zh',
    state: 'DISPATCHED',
    attempt: 1,
    node,
    pool: 'p1',
    shard: 0,
    tried: [],
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
    deadline_at: 1_700_000_030_000,
  });

  /** job-rebind of `jobId` from the node 'proposed' to n7 in shard 3 of p2. */
  const rebindTo7 = (jobId: string) => ({
    jobId,
    expectedAttempt: 1,
    expectedNode: 'proposed',
    node: 'n7',
    pool: 'p2',
    shard: 3,
    now: 9,
  });

  async function session(id: string): Promise<void> {
    const r = await sessionClaim(runner, keys.session(id), {
      mode: 'create',
      sessionId: id,
      instanceId: 'gw-a',
      now: 1,
      tokenHash: 't',
      fields: {},
    });
    expect(r.status).toBe('OK');
  }

  async function openJob(sessionId: string, rec: JobRecord): Promise<void> {
    expect(await jobOpen(runner, keys.session(sessionId), { record: rec, now: 5 })).toMatchObject({
      status: 'CREATED',
    });
  }

  beforeAll(async () => {
    conn = connectionForTarget(target, 'job-test');
    runner = new ScriptRunner(conn);
    await runner.load();
  });
  afterAll(() => conn.quit());

  it('job-open creates once per (utterance, target) and returns the existing job after', async () => {
    await session('s1');
    const k = keys.session('s1');
    expect(await jobOpen(runner, k, { record: record('j1', 0), now: 5 })).toEqual({
      status: 'CREATED',
      jobId: 'j1',
      owner: 'gw-a',
    });
    const again = await jobOpen(runner, k, { record: record('j1-retry', 0), now: 6 });
    expect(again).toEqual({ status: 'EXISTS', jobId: 'j1', record: record('j1', 0) });
    expect(await conn.client.hexists(k.jobs, 'j1-retry')).toBe(0);
    expect(await conn.client.hget(k.idem, '0:zh')).toBe('j1');
  });

  it('job-open refuses a session that does not exist', async () => {
    expect(await jobOpen(runner, keys.session('ghost'), { record: record('j', 0), now: 5 })).toEqual({
      status: 'GONE',
    });
    expect(await conn.client.exists(keys.session('ghost').jobs)).toBe(0);
  });

  it('job-open is idempotent under concurrent callers', async () => {
    await session('s2');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        jobOpen(runner, keys.session('s2'), { record: record(`c${i}`, 3), now: 5 }),
      ),
    );
    const created = results.filter((r) => r.status === 'CREATED');
    expect(created).toHaveLength(1);
    const winner = created[0]?.status === 'CREATED' ? created[0].jobId : '';
    for (const r of results)
      expect(r.status === 'CREATED' ? r.jobId : r.status === 'EXISTS' && r.jobId).toBe(winner);
    expect(await conn.client.hlen(keys.session('s2').jobs)).toBe(1);
  });

  it('job-rebind moves an untouched first attempt to the reserved node, once', async () => {
    await session('s-rb');
    const k = keys.session('s-rb');
    await openJob('s-rb', { ...record('jrb', 0, 'proposed'), tried: ['proposed'] });
    const args = rebindTo7('jrb');
    const r = await jobRebind(runner, k, args);
    expect(r.status).toBe('OK');
    expect(r.status === 'OK' && r.record).toMatchObject({
      node: 'n7',
      pool: 'p2',
      shard: 3,
      tried: ['n7'],
      updated_at: 9,
    });
    // The record names n7 now: a second rebind from the proposal loses and changes nothing.
    expect(await jobRebind(runner, k, args)).toEqual({ status: 'LOST', state: 'DISPATCHED', attempt: 1 });
    expect(await jobRebind(runner, k, { ...args, jobId: 'ghost' })).toEqual({ status: 'GONE' });
  });

  it('job-rebind loses once the job has moved on', async () => {
    await session('s-rb2');
    const k = keys.session('s-rb2');
    await openJob('s-rb2', record('jrb2', 0, 'proposed'));
    const won = await jobTransition(runner, k, {
      jobId: 'jrb2',
      expectedAttempt: 1,
      from: ['DISPATCHED'],
      to: 'CANCELLED',
      now: 7,
    });
    expect(won.status).toBe('WON');
    const args = rebindTo7('jrb2');
    expect(await jobRebind(runner, k, args)).toEqual({ status: 'LOST', state: 'CANCELLED', attempt: 1 });
    const stored = JSON.parse((await conn.client.hget(k.jobs, 'jrb2')) ?? '{}') as JobRecord;
    expect(stored.node).toBe('proposed');
  });

  it('job-transition WON returns the updated record, session owner/epoch and the out entry id', async () => {
    await session('s3');
    const k = keys.session('s3');
    await openJob('s3', record('j3', 0));
    const won = await jobTransition(runner, k, {
      jobId: 'j3',
      expectedAttempt: 1,
      from: ['DISPATCHED', 'ACCEPTED'],
      to: 'COMPLETED',
      node: 'n1',
      patch: { result_at: 42, state: 'FORGED' },
      out: { msg: '{"type":"translation_result","utterance_index":0}', kind: 'translation' },
      now: 99,
    });
    expect(won.status).toBe('WON');
    if (won.status !== 'WON') return;
    expect(won.record).toEqual({ ...record('j3', 0), state: 'COMPLETED', updated_at: 99, result_at: 42 });
    expect(won.sessionOwner).toBe('gw-a');
    expect(won.sessionEpoch).toBe(1);
    expect(won.outId).toMatch(/^\d+-\d+$/);
    const out = await conn.client.xrange(k.out, '-', '+');
    expect(out).toEqual([
      [
        won.outId,
        ['job', 'j3', 'kind', 'translation', 'msg', '{"type":"translation_result","utterance_index":0}'],
      ],
    ]);
    // Stored JSON keeps the empty array an array (cjson would write {}).
    expect(await conn.client.hget(k.jobs, 'j3')).toContain('"tried":[]');

    const noOut = await jobTransition(runner, k, {
      jobId: 'j3',
      expectedAttempt: 1,
      from: ['DISPATCHED'],
      to: 'FAILED',
      now: 100,
    });
    expect(noOut).toEqual({ status: 'LOST', state: 'COMPLETED', attempt: 1 });
    expect(await conn.client.xlen(k.out)).toBe(1);
  });

  it('job-transition is LOST on a wrong attempt, state or node, and GONE for an unknown job', async () => {
    await session('s4');
    const k = keys.session('s4');
    await openJob('s4', record('j4', 0, 'n1'));
    const base = { jobId: 'j4', from: ['DISPATCHED', 'ACCEPTED'] as const, to: 'COMPLETED' as const, now: 7 };
    expect(await jobTransition(runner, k, { ...base, expectedAttempt: 2 })).toEqual({
      status: 'LOST',
      state: 'DISPATCHED',
      attempt: 1,
    });
    expect(await jobTransition(runner, k, { ...base, expectedAttempt: 1, from: ['ACCEPTED'] })).toEqual({
      status: 'LOST',
      state: 'DISPATCHED',
      attempt: 1,
    });
    expect(await jobTransition(runner, k, { ...base, expectedAttempt: 1, node: 'n2' })).toEqual({
      status: 'LOST',
      state: 'DISPATCHED',
      attempt: 1,
    });
    expect(await jobTransition(runner, k, { ...base, jobId: 'nope', expectedAttempt: 1 })).toEqual({
      status: 'GONE',
    });
    expect(JSON.parse((await conn.client.hget(k.jobs, 'j4')) ?? '{}')).toEqual(record('j4', 0, 'n1'));
  });

  it('exactly one of 50 concurrent transitions wins', async () => {
    await session('s5');
    const k = keys.session('s5');
    await openJob('s5', record('j5', 0));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        jobTransition(runner, k, {
          jobId: 'j5',
          expectedAttempt: 1,
          from: ['DISPATCHED', 'ACCEPTED'],
          to: i % 2 === 0 ? 'COMPLETED' : 'TIMED_OUT',
          node: 'n1',
          out: { msg: `result-${i}`, kind: 'translation' },
          now: 10 + i,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'WON')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'LOST')).toHaveLength(49);
    expect(await conn.client.xlen(k.out)).toBe(1);
  });

  it('re-dispatch bumps the attempt and fences out the old attempt', async () => {
    await session('s6');
    const k = keys.session('s6');
    await openJob('s6', record('j6', 0, 'n1'));
    const timeout = { jobId: 'j6', expectedAttempt: 1, from: ['DISPATCHED', 'ACCEPTED'] as const, now: 20 };
    expect((await jobTransition(runner, k, { ...timeout, to: 'TIMED_OUT' })).status).toBe('WON');
    const redispatch = await jobTransition(runner, k, {
      jobId: 'j6',
      expectedAttempt: 1,
      from: ['TIMED_OUT', 'FAILED'],
      to: 'DISPATCHED',
      patch: { node: 'n2', tried: ['n1'] },
      now: 21,
    });
    expect(redispatch).toMatchObject({ status: 'WON', record: { attempt: 2, node: 'n2', tried: ['n1'] } });
    // The first node's late result belongs to attempt 1 and loses.
    expect(await jobTransition(runner, k, { ...timeout, to: 'COMPLETED', node: 'n1' })).toEqual({
      status: 'LOST',
      state: 'DISPATCHED',
      attempt: 2,
    });
    expect(
      (await jobTransition(runner, k, { ...timeout, expectedAttempt: 2, to: 'COMPLETED', node: 'n2' }))
        .status,
    ).toBe('WON');
  });

  it('rejects a transition the state machine forbids as a script error', async () => {
    await session('s7');
    await openJob('s7', record('j7', 0));
    await expect(
      jobTransition(runner, keys.session('s7'), {
        jobId: 'j7',
        expectedAttempt: 1,
        from: ['DISPATCHED'],
        to: 'DISPATCHED',
        now: 1,
      }),
    ).rejects.toMatchObject({ code: 'SCRIPT_ERROR' });
  });

  it('caps the out stream near 200 entries', async () => {
    await session('s8');
    const k = keys.session('s8');
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const id = `j8-${batch}-${i}`;
          await openJob('s8', record(id, batch * 50 + i));
          await jobTransition(runner, k, {
            jobId: id,
            expectedAttempt: 1,
            from: ['DISPATCHED'],
            to: 'COMPLETED',
            out: { msg: id, kind: 'translation' },
            now: 1,
          });
        }),
      );
    }
    const len = await conn.client.xlen(k.out);
    expect(len).toBeGreaterThanOrEqual(200);
    expect(len).toBeLessThan(400);
  });
});
