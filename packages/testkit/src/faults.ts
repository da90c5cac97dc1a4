import { discoverNodes, nodeAdmin } from './redis-client.js';
import type { RedisTarget } from './redis-target.js';

/**
 * Drops every pub/sub connection (SUBSCRIBE and SSUBSCRIBE clients) on every node of the
 * target, as a network blip would. Returns how many connections were killed.
 */
export async function killPubSubClients(target: RedisTarget): Promise<number> {
  const nodes = await discoverNodes(target);
  const counts = await Promise.all(
    nodes.map(async (node) => {
      const client = nodeAdmin(node, target);
      try {
        return Number(await client.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
      } finally {
        client.disconnect();
      }
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * CLIENT PAUSE on every node: commands from ordinary clients (`ALL`) or only writes (`WRITE`)
 * block for `ms`, simulating a stalled Redis. Resolves as soon as the pause is in place.
 */
export async function pauseClients(
  target: RedisTarget,
  ms: number,
  mode: 'ALL' | 'WRITE' = 'ALL',
): Promise<void> {
  const nodes = await discoverNodes(target);
  await Promise.all(
    nodes.map(async (node) => {
      const client = nodeAdmin(node, target);
      try {
        await client.call('CLIENT', 'PAUSE', Math.max(0, Math.round(ms)), mode);
      } finally {
        client.disconnect();
      }
    }),
  );
}
