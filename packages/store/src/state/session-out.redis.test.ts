import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { SESSION_OUT_MAX_LEN, SessionOut } from './session-out.js';

forEachTopology('session out stream', (target) => {
  let conn: RedisConnection;
  let out: SessionOut;
  const keys = new KeySchema(uniquePrefix('session-out'));

  beforeAll(() => {
    conn = connectionForTarget(target, 'session-out-test');
    out = new SessionOut(conn);
  });
  afterAll(() => conn.quit());

  it('appends entries with job, kind and msg fields and reads them back oldest first', async () => {
    const sk = keys.session('a1');
    const id1 = await out.append(sk, {
      jobId: 'j1',
      kind: 'translation',
      msg: '{"type":"translation_result"}',
    });
    const id2 = await out.append(sk, { jobId: '', kind: 'missing', msg: '{"type":"missing_result"}' });
    expect(await conn.client.xrange(sk.out, '-', '+')).toEqual([
      [id1, ['job', 'j1', 'kind', 'translation', 'msg', '{"type":"translation_result"}']],
      [id2, ['job', '', 'kind', 'missing', 'msg', '{"type":"missing_result"}']],
    ]);
    expect(await out.readAll(sk)).toEqual([
      { id: id1, job: 'j1', kind: 'translation', msg: '{"type":"translation_result"}' },
      { id: id2, job: '', kind: 'missing', msg: '{"type":"missing_result"}' },
    ]);
    expect(await out.readAll(keys.session('none'))).toEqual([]);
  });

  it('trims the stream to about its maximum length', async () => {
    const sk = keys.session('a2');
    for (let i = 0; i < SESSION_OUT_MAX_LEN * 3; i++)
      await out.append(sk, { jobId: `j${i}`, kind: 'missing', msg: '{}' });
    const len = await conn.client.xlen(sk.out);
    expect(len).toBeGreaterThanOrEqual(SESSION_OUT_MAX_LEN);
    expect(len).toBeLessThan(SESSION_OUT_MAX_LEN * 2);
    // The newest entries are the ones kept.
    const last = (await out.readAll(sk)).at(-1);
    expect(last?.job).toBe(`j${SESSION_OUT_MAX_LEN * 3 - 1}`);
  });

  it('removes entries at once', async () => {
    const sk = keys.session('a3');
    const ids = [
      await out.append(sk, { jobId: 'j1', kind: 'missing', msg: '{}' }),
      await out.append(sk, { jobId: 'j2', kind: 'missing', msg: '{}' }),
    ];
    expect(await out.remove(sk, [])).toBe(0);
    expect(await out.remove(sk, [ids[0] as string])).toBe(1);
    expect((await out.readAll(sk)).map((e) => e.job)).toEqual(['j2']);
  });

  it('acknowledges entries of many sessions in one batch', async () => {
    const sessions = ['b1', 'b2', 'b3'].map((id) => keys.session(id));
    const kept = new Map<string, string>();
    for (const sk of sessions) {
      const gone = await out.append(sk, { jobId: 'ack', kind: 'missing', msg: '{}' });
      kept.set(sk.out, await out.append(sk, { jobId: 'keep', kind: 'missing', msg: '{}' }));
      out.ack(sk, [gone], (err) => {
        throw err;
      });
    }
    await vi.waitFor(async () => {
      for (const sk of sessions) expect(await conn.client.xlen(sk.out)).toBe(1);
    });
    for (const sk of sessions) expect((await out.readAll(sk)).map((e) => e.id)).toEqual([kept.get(sk.out)]);
  });

  it('reports a failed acknowledgement to the session it belongs to', async () => {
    const good = keys.session('c1');
    const broken = keys.session('c2');
    const id = await out.append(good, { jobId: 'j', kind: 'missing', msg: '{}' });
    await conn.client.set(broken.out, 'not a stream');
    const goodErrors: unknown[] = [];
    const brokenErrors: unknown[] = [];
    out.ack(good, [id], (err) => goodErrors.push(err));
    out.ack(broken, ['1-1'], (err) => brokenErrors.push(err));
    await vi.waitFor(() => expect(brokenErrors).toHaveLength(1));
    expect(String(brokenErrors[0])).toContain('WRONGTYPE');
    await vi.waitFor(async () => expect(await conn.client.xlen(good.out)).toBe(0));
    expect(goodErrors).toEqual([]);
  });
});
