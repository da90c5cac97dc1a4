import { Cluster, Redis } from 'ioredis';
import { afterAll, onTestFinished } from 'vitest';
import type { RedisTarget } from './redis-target.js';

/**
 * An ioredis client for a target. Cluster clients use sharded subscribers (required for
 * SSUBSCRIBE/SPUBLISH on ioredis 6) and the nodes' own loopback addresses (no natMap).
 */
export function createRedisClient(target: RedisTarget): Redis | Cluster {
  if (target.topology === 'cluster') {
    return new Cluster(target.clusterNodes ?? [], {
      shardedSubscribers: true,
      redisOptions: { maxRetriesPerRequest: 3 },
    });
  }
  return new Redis(target.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
}

/**
 * A raw client for assertions, closed after the calling suite (or, when called inside a test,
 * after that test).
 */
export function connectRaw(target: RedisTarget): Redis | Cluster {
  const client = createRedisClient(target);
  const close = (): void => client.disconnect();
  try {
    afterAll(close);
  } catch {
    onTestFinished(close);
  }
  return client;
}
