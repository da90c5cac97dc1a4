import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import type { JobRecord } from '../ops/job-record.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import {
  readJobRecord,
  readSessionJobs,
  readSessionOwner,
  readSessionOwnerAndTrace,
  readSessionSnapshot,
} from './session-state.js';

function job(id: string, idx: number, over: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    idx,
    tgt: 'zh',
    state: 'DISPATCHED',
    attempt: 1,
    node: 'n1',
    pool: 'p1',
    shard: 0,
    tried: [],
    created_at: 1,
    updated_at: 1,
    deadline_at: 2,
    ...over,
  };
}

forEachTopology('session state', (target) => {
  let conn: RedisConnection;
  const keys = new KeySchema(uniquePrefix('session-state'));

  beforeAll(() => {
    conn = connectionForTarget(target, 'session-state-test');
  });
  afterAll(() => conn.quit());

  it('reads the owner, and the owner with the trace id; both absent for an unknown session', async () => {
    const sk = keys.session('s1');
    await conn.client.hset(sk.session, 'owner', 'gw-a', 'trace_id', 'tr-1', 'epoch', 3);
    expect(await readSessionOwner(conn, sk)).toBe('gw-a');
    expect(await readSessionOwnerAndTrace(conn, sk)).toEqual({ owner: 'gw-a', traceId: 'tr-1' });
    const none = keys.session('nobody');
    expect(await readSessionOwner(conn, none)).toBeUndefined();
    expect(await readSessionOwnerAndTrace(conn, none)).toEqual({ owner: undefined, traceId: undefined });
  });

  it('reads one job record decoded, undefined when missing, and refuses a record no script wrote', async () => {
    const sk = keys.session('s2');
    await conn.client.hset(sk.jobs, 'j1', JSON.stringify(job('j1', 4, { state: 'ACCEPTED', extra: 'kept' })));
    await conn.client.hset(sk.jobs, 'bad', '{"state":"NOPE"}');
    expect(await readJobRecord(conn, sk, 'j1')).toEqual(job('j1', 4, { state: 'ACCEPTED', extra: 'kept' }));
    expect(await readJobRecord(conn, sk, 'missing')).toBeUndefined();
    await expect(readJobRecord(conn, sk, 'bad')).rejects.toMatchObject({ code: 'UNEXPECTED_REPLY' });
  });

  it('reads every job record, skipping the ones it cannot decode', async () => {
    const sk = keys.session('s3');
    await conn.client.hset(
      sk.jobs,
      'a',
      JSON.stringify(job('a', 0)),
      'b',
      JSON.stringify(job('b', 1)),
      'x',
      'not json',
    );
    const jobs = await readSessionJobs(conn, sk);
    expect([...jobs.keys()].sort()).toEqual(['a', 'b']);
    expect(jobs.get('b')?.idx).toBe(1);
    expect((await readSessionJobs(conn, keys.session('empty'))).size).toBe(0);
  });

  it('reads session hash, jobs and {s}:out together, out entries oldest first', async () => {
    const sk = keys.session('s4');
    await conn.client.hset(sk.session, 'owner', 'gw-b', 'next_idx', 2);
    await conn.client.hset(sk.jobs, 'j0', JSON.stringify(job('j0', 0, { state: 'COMPLETED' })), 'junk', '[]');
    const first = await conn.client.xadd(sk.out, '*', 'job', 'j0', 'msg', '{"type":"translation_result"}');
    const second = await conn.client.xadd(sk.out, '*', 'msg', '{"type":"missing_result"}');
    const snap = await readSessionSnapshot(conn, sk);
    expect(snap.fields).toEqual({ owner: 'gw-b', next_idx: '2' });
    expect([...snap.jobs.keys()]).toEqual(['j0']);
    expect(snap.out).toEqual([
      { id: first, job: 'j0', msg: '{"type":"translation_result"}' },
      { id: second, job: undefined, msg: '{"type":"missing_result"}' },
    ]);
  });

  it('reads a session that is gone as empty', async () => {
    expect(await readSessionSnapshot(conn, keys.session('gone'))).toEqual({
      fields: {},
      jobs: new Map(),
      out: [],
    });
  });
});
