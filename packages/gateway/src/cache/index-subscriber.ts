/**
 * Index events: SSUBSCRIBE to the `{idx}` events channel on a dedicated connection. Every (re)connect of that
 * connection counts as a resubscribe (events may have been missed), and the cache reloads. The periodic version
 * check in the sweep backs this up on Cluster, where shard subscribers reconnect on their own.
 */
import type { RedisConnection } from '@lingua/store';

export interface IndexSubscription {
  close(): Promise<void>;
}

export async function subscribeIndexChannel(
  base: RedisConnection,
  channel: string,
  onMessage: (raw: string) => void,
  onResubscribe: () => void,
): Promise<IndexSubscription> {
  const sub = base.duplicate(`${base.name}-index-sub`);
  const client = sub.client;
  client.on('smessage', (ch: string, message: string) => {
    if (ch === channel) onMessage(message);
  });
  await sub.ready();
  let firstReady = true;
  client.on('ready', () => {
    if (firstReady) return;
    onResubscribe();
  });
  await client.ssubscribe(channel);
  firstReady = false;
  return { close: () => sub.quit() };
}
