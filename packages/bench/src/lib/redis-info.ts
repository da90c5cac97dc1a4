import { once } from 'node:events';
import { Cluster, type Redis } from 'ioredis';
import { BenchError } from './errors.js';

/** One INFO section from every master (a standalone server is its own only master). */
export async function infoFromMasters(client: Redis | Cluster, section: string): Promise<string[]> {
  const servers = await masters(client);
  try {
    return await Promise.all(servers.map((server) => server.info(section)));
  } catch (err) {
    throw new BenchError('REDIS_INFO_FAILED', `INFO ${section} failed: ${String(err)}`, { cause: err });
  }
}

/** `field:value` lines of an INFO reply as a map. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

/** The server version of the first master, e.g. `7.0.15`. */
export async function redisVersion(client: Redis | Cluster): Promise<string> {
  const [first] = await infoFromMasters(client, 'server');
  return parseInfo(first ?? '').get('redis_version') ?? 'unknown';
}

async function masters(client: Redis | Cluster): Promise<Redis[]> {
  if (!(client instanceof Cluster)) return [client];
  // Before the first slot refresh a Cluster client knows no nodes yet.
  if (client.status !== 'ready') await once(client, 'ready');
  const nodes = client.nodes('master');
  if (nodes.length === 0) throw new BenchError('REDIS_INFO_FAILED', 'the Cluster client knows no masters');
  return nodes;
}
