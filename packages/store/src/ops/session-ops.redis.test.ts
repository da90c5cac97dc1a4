import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { ScriptRunner } from '../scripts/loader.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { sessionClaim } from './session-claim.js';

forEachTopology('session scripts', (target) => {
  let conn: RedisConnection;
  let runner: ScriptRunner;
  const keys = new KeySchema(uniquePrefix('session'));
  const create = (id: string, instanceId = 'gw-a') =>
    sessionClaim(runner, keys.session(id), {
      mode: 'create',
      sessionId: id,
      instanceId,
      now: 1_000,
      tokenHash: 'tok-hash',
      fields: { src_lang: 'en', tgt_lang: 'zh', mode: 'one_way', auto_langs: ['en', 'zh'], owner: 'forged' },
    });
  const resume = (id: string, instanceId: string, tokenHash = 'tok-hash') =>
    sessionClaim(runner, keys.session(id), {
      mode: 'resume',
      sessionId: id,
      instanceId,
      now: 2_000,
      tokenHash,
    });

  beforeAll(async () => {
    conn = connectionForTarget(target, 'session-test');
    runner = new ScriptRunner(conn);
    await runner.load();
  });
  afterAll(() => conn.quit());

  it('creates a session with epoch 1 and refuses a second create', async () => {
    expect(await create('s1')).toEqual({ status: 'OK', epoch: 1, prevOwner: '', prevEpoch: 0 });
    const hash = await conn.client.hgetall(keys.session('s1').session);
    expect(hash).toMatchObject({
      id: 's1',
      owner: 'gw-a',
      epoch: '1',
      next_idx: '0',
      token_hash: 'tok-hash',
      created_at: '1000',
      src_lang: 'en',
      auto_langs: '["en","zh"]',
    });
    expect(await create('s1', 'gw-b')).toEqual({ status: 'EXISTS' });
    expect(await conn.client.hget(keys.session('s1').session, 'owner')).toBe('gw-a');
  });

  it('resumes only with the right token, raising the epoch each time', async () => {
    await create('s2');
    expect(await resume('s2', 'gw-b', 'wrong')).toEqual({ status: 'DENIED' });
    expect(await resume('nope', 'gw-b')).toEqual({ status: 'GONE' });
    expect(await resume('s2', 'gw-b')).toEqual({ status: 'OK', epoch: 2, prevOwner: 'gw-a', prevEpoch: 1 });
    expect(await resume('s2', 'gw-c')).toEqual({ status: 'OK', epoch: 3, prevOwner: 'gw-b', prevEpoch: 2 });
    expect(await conn.client.hmget(keys.session('s2').session, 'owner', 'epoch')).toEqual(['gw-c', '3']);
  });
});
