import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { readNodeHolder, readNodeIdentityHash, readNodeOwner, recordNodePlacement } from './node-identity.js';

forEachTopology('node identity', (target) => {
  let conn: RedisConnection;
  const keys = new KeySchema(uniquePrefix('node-identity'));

  beforeAll(() => {
    conn = connectionForTarget(target, 'node-identity-test');
  });
  afterAll(() => conn.quit());

  it('reads an unknown node id as having no holder', async () => {
    const k = keys.node('unknown');
    expect(await readNodeHolder(conn, k)).toEqual({
      owner: undefined,
      epoch: undefined,
      tokenHash: undefined,
      pool: undefined,
      shard: undefined,
      peer: undefined,
    });
    expect(await readNodeOwner(conn, k)).toEqual({ owner: '', epoch: 0 });
    expect(await readNodeIdentityHash(conn, k)).toBeUndefined();
  });

  it('records placement with and without the peer, and reads the holder back', async () => {
    const k = keys.node('n1');
    await conn.client.hset(k, 'owner', 'gw-a', 'epoch', 4, 'token_hash', 'th', 'reg_at', 10);
    await recordNodePlacement(conn, k, { pool: 'p1', shard: 2, peer: '10.0.0.1' });
    expect(await readNodeHolder(conn, k)).toEqual({
      owner: 'gw-a',
      epoch: 4,
      tokenHash: 'th',
      pool: 'p1',
      shard: 2,
      peer: '10.0.0.1',
    });
    // A move to another pool keeps the peer the node registered from.
    await recordNodePlacement(conn, k, { pool: 'p2', shard: 0 });
    expect(await conn.client.hmget(k, 'pool', 'shard', 'peer')).toEqual(['p2', '0', '10.0.0.1']);
    expect(await readNodeOwner(conn, k)).toEqual({ owner: 'gw-a', epoch: 4 });
  });

  it('reads the whole identity hash without the token hash', async () => {
    const k = keys.node('n2');
    await conn.client.hset(k, 'owner', 'gw-b', 'epoch', 1, 'token_hash', 'secret', 'pool', 'p1', 'shard', 0);
    expect(await readNodeIdentityHash(conn, k)).toEqual({
      owner: 'gw-b',
      epoch: '1',
      pool: 'p1',
      shard: '0',
    });
  });
});
