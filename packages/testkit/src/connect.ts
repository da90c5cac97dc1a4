import type { Cluster, Redis } from 'ioredis';
import { afterAll, onTestFinished } from 'vitest';
import { createRedisClient } from './redis-client.js';
import type { RedisTarget } from './redis-target.js';

const open = new Set<Redis | Cluster>();

// Vitest ignores afterAll() registered from inside a hook, so a file-level sweep closes whatever
// the per-suite hooks could not. Outside vitest (demo, bench scripts) there is nothing to hook.
if (process.env.VITEST) {
  afterAll(() => {
    for (const client of open) client.disconnect();
    open.clear();
  });
}

/**
 * A raw client for assertions. Closed after the calling test when called inside one, after the
 * calling suite when called in a describe body, otherwise at the end of the test file.
 */
export function connectRaw(target: RedisTarget): Redis | Cluster {
  const client = createRedisClient(target);
  open.add(client);
  const close = (): void => {
    open.delete(client);
    client.disconnect();
  };
  try {
    onTestFinished(close);
  } catch {
    // Not inside a test: effective while a describe body is being collected, a no-op otherwise.
    afterAll(close);
  }
  return client;
}
