/**
 * What an instance owns (`{i}:nodes`, `{i}:sessions`): the lists a takeover walks when the instance dies.
 * Entries may outlive what they name (a crash between claim and cleanup); readers check the owner recorded on
 * the node or session itself before acting.
 */
import type { RedisConnection } from '../connection.js';
import type { InstanceKeys } from '../keys.js';

/** SADD `{i}:nodes`. */
export async function addOwnedNode(conn: RedisConnection, keys: InstanceKeys, nodeId: string): Promise<void> {
  await conn.client.sadd(keys.nodes, nodeId);
}

/** SREM `{i}:nodes`. */
export async function removeOwnedNode(
  conn: RedisConnection,
  keys: InstanceKeys,
  nodeId: string,
): Promise<void> {
  await conn.client.srem(keys.nodes, nodeId);
}

/** SADD `{i}:sessions`. */
export async function addOwnedSession(
  conn: RedisConnection,
  keys: InstanceKeys,
  sessionId: string,
): Promise<void> {
  await conn.client.sadd(keys.sessions, sessionId);
}

/** SREM `{i}:sessions`. */
export async function removeOwnedSession(
  conn: RedisConnection,
  keys: InstanceKeys,
  sessionId: string,
): Promise<void> {
  await conn.client.srem(keys.sessions, sessionId);
}

/** Both lists (two SMEMBERS, sent together). */
export async function listOwned(
  conn: RedisConnection,
  keys: InstanceKeys,
): Promise<{ nodes: string[]; sessions: string[] }> {
  const [nodes, sessions] = await Promise.all([
    conn.client.smembers(keys.nodes),
    conn.client.smembers(keys.sessions),
  ]);
  return { nodes, sessions };
}
