/**
 * Instance presence and the instance registry: `{i}:alive` (a string with a TTL whose value describes the
 * instance: start time, inbox figures) and `{idx}:instances` (zset instanceId → last seen ms). An instance listed
 * without presence is dead; a takeover removes it with `forgetInstance`.
 */
import type { RedisConnection } from '../connection.js';
import type { IndexKeys, InstanceKeys, KeySchema } from '../keys.js';

/**
 * SET `{i}:alive` (PX ttl, GET) and ZADD `{idx}:instances` — two slots, two commands sent together. Resolves to
 * the value the alive key had before (null when it had lapsed or never existed).
 */
export async function writePresence(
  conn: RedisConnection,
  keys: KeySchema,
  p: { instanceId: string; value: string; ttlMs: number; now: number },
): Promise<string | null> {
  const [previous] = await Promise.all([
    conn.client.set(keys.instance(p.instanceId).alive, p.value, 'PX', p.ttlMs, 'GET'),
    conn.client.zadd(keys.index().instances, p.now, p.instanceId),
  ]);
  return previous;
}

/** DEL `{i}:alive`: the instance is gone at once instead of at the TTL. */
export async function deletePresence(conn: RedisConnection, keys: InstanceKeys): Promise<void> {
  await conn.client.del(keys.alive);
}

/** EXISTS `{i}:alive`. */
export async function hasPresence(conn: RedisConnection, keys: InstanceKeys): Promise<boolean> {
  return (await conn.client.exists(keys.alive)) === 1;
}

/** Every listed instance with its last-seen ms (ZRANGE WITHSCORES), in registry order. */
export async function listInstances(
  conn: RedisConnection,
  keys: IndexKeys,
): Promise<{ id: string; lastSeen: number }[]> {
  const flat = await conn.client.zrange(keys.instances, '0', '-1', 'WITHSCORES');
  const listed: { id: string; lastSeen: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    listed.push({ id: flat[i] as string, lastSeen: Number(flat[i + 1]) });
  return listed;
}

/** One instance as its own slot describes it. */
export interface InstanceFigures {
  /** The `{i}:alive` value; null without presence. */
  alive: string | null;
  /** Entries of `{i}:nodes` and `{i}:sessions`. */
  nodes: number;
  sessions: number;
  /** Inbox sequence: messages ever published to its inbox. */
  published: number;
}

/**
 * GET alive, SCARD nodes, SCARD sessions, GET seq in one MULTI (one slot, one round trip). A failed command
 * reads as absent.
 */
export async function readInstanceFigures(
  conn: RedisConnection,
  keys: InstanceKeys,
): Promise<InstanceFigures> {
  const replies = await conn.client
    .multi()
    .get(keys.alive)
    .scard(keys.nodes)
    .scard(keys.sessions)
    .get(keys.seq)
    .exec();
  const at = (i: number): unknown => replies?.[i]?.[1] ?? null;
  const alive = at(0);
  return {
    alive: typeof alive === 'string' ? alive : null,
    nodes: Number(at(1) ?? 0),
    sessions: Number(at(2) ?? 0),
    published: Number(at(3) ?? 0),
  };
}

/**
 * Removes a dead instance: its inbox keys (seq, log) and ownership lists go (DEL) and it leaves the registry
 * (ZREM) — two slots, two commands sent together. Its alive key has expired already.
 */
export async function forgetInstance(
  conn: RedisConnection,
  keys: KeySchema,
  instanceId: string,
): Promise<void> {
  const ik = keys.instance(instanceId);
  await Promise.all([
    conn.client.del(ik.seq, ik.log, ik.nodes, ik.sessions),
    conn.client.zrem(keys.index().instances, instanceId),
  ]);
}
