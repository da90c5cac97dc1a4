import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { ScriptRunner } from '../scripts/loader.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { nodeClaim } from './node-claim.js';
import { nodeRelease } from './node-release.js';

forEachTopology('node-claim / node-release', (target) => {
  let conn: RedisConnection;
  let runner: ScriptRunner;
  const keys = new KeySchema(uniquePrefix('claim'));
  const base = { instanceId: 'gw-a', now: 1_000, holderLive: false };

  beforeAll(async () => {
    conn = connectionForTarget(target, 'claim-test');
    runner = new ScriptRunner(conn);
    await runner.load();
  });
  afterAll(() => conn.quit());

  it('claims a new node at epoch 1 with no previous placement, storing its token', async () => {
    const key = keys.node('n1');
    const r = await nodeClaim(runner, key, { ...base, nodeId: 'n1', newTokenHash: 'tok' });
    expect(r).toEqual({
      status: 'OK',
      epoch: 1,
      prevOwner: '',
      prevEpoch: 0,
      prevPool: '',
      prevShard: -1,
      pairingCode: '',
    });
    expect(await conn.client.hgetall(key)).toMatchObject({
      id: 'n1',
      epoch: '1',
      owner: 'gw-a',
      token_hash: 'tok',
    });
  });

  it('a live holder conflicts unless the claimant proves the identity', async () => {
    const key = keys.node('n2');
    await nodeClaim(runner, key, { ...base, nodeId: 'n2', newTokenHash: 'tok' });
    await conn.client.hset(key, 'pool', 'poolA', 'shard', '3');
    const rival = { ...base, nodeId: 'n2', instanceId: 'gw-b', holderLive: true };
    expect(await nodeClaim(runner, key, rival)).toEqual({ status: 'CONFLICT', owner: 'gw-a', epoch: 1 });
    expect(await nodeClaim(runner, key, { ...rival, tokenHash: 'wrong' })).toEqual({
      status: 'CONFLICT',
      owner: 'gw-a',
      epoch: 1,
    });
    expect(await nodeClaim(runner, key, { ...rival, tokenHash: 'tok' })).toEqual({
      status: 'OK',
      epoch: 2,
      prevOwner: 'gw-a',
      prevEpoch: 1,
      prevPool: 'poolA',
      prevShard: 3,
      pairingCode: '',
    });
    // A credential bound to exactly this id is proof too.
    const back = await nodeClaim(runner, key, { ...base, nodeId: 'n2', holderLive: true, bound: true });
    expect(back).toMatchObject({ status: 'OK', epoch: 3, prevOwner: 'gw-b' });
    // The token is set once and never replaced by a later claim.
    await nodeClaim(runner, key, { ...base, nodeId: 'n2', newTokenHash: 'other' });
    expect(await conn.client.hget(key, 'token_hash')).toBe('tok');
  });

  it('a private claim keeps the first pairing code for the identity; public claims get none and keep it', async () => {
    const key = keys.node('n-pair');
    const first = await nodeClaim(runner, key, { ...base, nodeId: 'n-pair', newPairingCode: 'AAAA2222' });
    expect(first).toMatchObject({ status: 'OK', epoch: 1, pairingCode: 'AAAA2222' });
    // A reconnect proposes a fresh code and gets the stored one back.
    const again = await nodeClaim(runner, key, { ...base, nodeId: 'n-pair', newPairingCode: 'BBBB3333' });
    expect(again).toMatchObject({ status: 'OK', epoch: 2, pairingCode: 'AAAA2222' });
    // Registering as public issues nothing, but the identity keeps its code for a later private registration.
    expect(await nodeClaim(runner, key, { ...base, nodeId: 'n-pair' })).toMatchObject({ pairingCode: '' });
    expect(await conn.client.hget(key, 'pairing_code')).toBe('AAAA2222');
    const back = await nodeClaim(runner, key, { ...base, nodeId: 'n-pair', newPairingCode: 'CCCC4444' });
    expect(back).toMatchObject({ epoch: 4, pairingCode: 'AAAA2222' });
  });

  it('a dead holder is replaced; a stale expected epoch is refused', async () => {
    const key = keys.node('n3');
    await nodeClaim(runner, key, { ...base, nodeId: 'n3' });
    expect(await nodeClaim(runner, key, { ...base, nodeId: 'n3', instanceId: 'gw-c' })).toMatchObject({
      status: 'OK',
      epoch: 2,
    });
    expect(await nodeClaim(runner, key, { ...base, nodeId: 'n3', expectedEpoch: 1 })).toEqual({
      status: 'STALE',
      epoch: 2,
    });
    expect(await nodeClaim(runner, key, { ...base, nodeId: 'n3', expectedEpoch: 2 })).toMatchObject({
      status: 'OK',
      epoch: 3,
    });
  });

  it('strict: an identity that still exists needs proof even after its holder left', async () => {
    const key = keys.node('n5');
    await nodeClaim(runner, key, { ...base, nodeId: 'n5', newTokenHash: 'tok', subjectHash: 'sub-a' });
    await nodeRelease(runner, key, { epoch: 1, now: 2_000, retentionMs: 60_000 });
    const stranger = { ...base, nodeId: 'n5', instanceId: 'gw-b', strict: true };
    expect(await nodeClaim(runner, key, stranger)).toEqual({ status: 'CONFLICT', owner: '', epoch: 1 });
    expect(await nodeClaim(runner, key, { ...stranger, subjectHash: 'sub-b' })).toMatchObject({
      status: 'CONFLICT',
    });
    // The same subject that registered it, the issued node token, or an exact binding may take it back.
    expect(await nodeClaim(runner, key, { ...stranger, subjectHash: 'sub-a' })).toMatchObject({
      status: 'OK',
      epoch: 2,
    });
    expect(await nodeClaim(runner, key, { ...stranger, tokenHash: 'tok' })).toMatchObject({
      status: 'OK',
      epoch: 3,
    });
    expect(await nodeClaim(runner, key, { ...stranger, bound: true })).toMatchObject({
      status: 'OK',
      epoch: 4,
    });
    // Without strict (authentication off) a holder that is gone may be replaced, as before.
    await nodeRelease(runner, key, { epoch: 4, now: 3_000, retentionMs: 60_000 });
    expect(await nodeClaim(runner, key, { ...base, nodeId: 'n5' })).toMatchObject({ status: 'OK', epoch: 5 });
    // A new id needs no proof, strict or not.
    expect(await nodeClaim(runner, keys.node('n6'), { ...stranger, nodeId: 'n6' })).toMatchObject({
      status: 'OK',
      epoch: 1,
    });
  });

  it('a released identity expires after its retention; claiming it again keeps it for good', async () => {
    const key = keys.node('n7');
    await nodeClaim(runner, key, { ...base, nodeId: 'n7', newTokenHash: 'tok' });
    expect(await conn.client.pttl(key)).toBe(-1);
    await nodeRelease(runner, key, { epoch: 1, now: 2_000, retentionMs: 30_000 });
    const ttl = await conn.client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await nodeClaim(runner, key, { ...base, nodeId: 'n7', tokenHash: 'tok', strict: true });
    expect(await conn.client.pttl(key)).toBe(-1);
  });

  it('release is fenced: an older socket cannot clear a newer owner', async () => {
    const key = keys.node('n4');
    await nodeClaim(runner, key, { ...base, nodeId: 'n4' });
    await nodeClaim(runner, key, { ...base, nodeId: 'n4', instanceId: 'gw-b' });
    expect(await nodeRelease(runner, key, { epoch: 1, now: 2_000, retentionMs: 60_000 })).toEqual({
      status: 'STALE',
      epoch: 2,
    });
    expect(await conn.client.hget(key, 'owner')).toBe('gw-b');
    expect(await nodeRelease(runner, key, { epoch: 2, now: 2_000, retentionMs: 60_000 })).toEqual({
      status: 'OK',
    });
    expect(await conn.client.hget(key, 'owner')).toBe('');
    // A released node is claimed without conflict even if the caller believes the holder is alive.
    expect(await nodeClaim(runner, key, { ...base, nodeId: 'n4', holderLive: true })).toMatchObject({
      status: 'OK',
      epoch: 3,
    });
  });
});
