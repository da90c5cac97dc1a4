import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connectRaw, forEachTopology, poll, redisEnv, redisTargets, uniquePrefix } from './index.js';

// Filled while the suites are collected, so a -t filter does not change it.
const collected: string[] = [];

forEachTopology('shared Redis', (target) => {
  collected.push(target.topology);
  const redis = connectRaw(target);

  it('answers PING and is the advertised topology', async () => {
    expect(await redis.ping()).toBe('PONG');
    expect(redis instanceof Cluster).toBe(target.topology === 'cluster');
  });

  it('runs a Lua script over two keys that share a hash tag', async () => {
    const p = uniquePrefix('lua');
    const result = await redis.eval(
      "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return redis.call('MGET', KEYS[1], KEYS[2])",
      2,
      `${p}:{tag}:a`,
      `${p}:{tag}:b`,
      'v',
    );
    expect(result).toEqual(['v', 'v']);
  });

  it('delivers SPUBLISH to an SSUBSCRIBE client', async () => {
    const subscriber = connectRaw(target);
    const channel = `${uniquePrefix('ch')}:{i:x}:inbox`;
    const received: string[] = [];
    subscriber.on('smessage', (ch: string, message: string) => {
      if (ch === channel) received.push(message);
    });
    await subscriber.ssubscribe(channel);
    await redis.spublish(channel, 'hello');
    await poll(() => received.length > 0, { what: 'sharded message', timeoutMs: 5_000 });
    expect(received).toEqual(['hello']);
  });

  it('points a gateway at it through LINGUA_REDIS_* env', () => {
    const env = redisEnv(target);
    if (target.topology === 'cluster') {
      expect(env.LINGUA_REDIS_CLUSTER_NODES).toMatch(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2,}$/);
    } else {
      expect(env.LINGUA_REDIS_URL).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    }
  });
});

// Absent (not skipped) when REDIS_URL alone selects an external standalone server.
for (const target of redisTargets().filter((t) => t.topology === 'cluster')) {
  describe('cluster only', () => {
    it('rejects a Lua script over two slots with CROSSSLOT', async () => {
      const redis = connectRaw(target);
      const p = uniquePrefix('cross');
      await expect(
        redis.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2, `${p}:{a}:x`, `${p}:{b}:y`),
      ).rejects.toThrow(/CROSSSLOT/);
    });
  });
}

it('forEachTopology declares one suite per target', () => {
  expect([...collected].sort()).toEqual(
    redisTargets()
      .map((t) => t.topology)
      .sort(),
  );
  // Unless external servers were named, the global setup provides both topologies.
  if (!process.env.REDIS_URL && !process.env.REDIS_CLUSTER_NODES) {
    expect([...collected].sort()).toEqual(['cluster', 'standalone']);
  }
});
