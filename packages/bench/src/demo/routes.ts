/**
 * The route a job took, read back from Redis (the source of truth, not the demo's own bookkeeping): the session's
 * owner instance, the node in the job record with its attempt, and the instance that owns that node's socket.
 */
import { KeySchema, createRedis, type RedisConnection } from '@lingua/store';

export interface JobRoute {
  sessionInstance: string;
  nodeId: string;
  nodeInstance: string;
  attempt: number;
  /** Nodes tried before the one that answered. */
  triedBefore: string[];
  state: string;
}

export interface RouteReader {
  read(sessionId: string, jobId: string): Promise<JobRoute | undefined>;
  close(): Promise<void>;
}

export function createRouteReader(
  conn: { url?: string; clusterNodes?: string[] },
  keyPrefix: string,
): RouteReader {
  const redis: RedisConnection = createRedis({
    ...(conn.url === undefined ? {} : { url: conn.url }),
    ...(conn.clusterNodes === undefined ? {} : { clusterNodes: conn.clusterNodes }),
    name: 'lingua-demo-routes',
    onError: () => {},
  });
  const keys = new KeySchema(keyPrefix);
  return {
    async read(sessionId, jobId) {
      const s = keys.session(sessionId);
      const [sessionInstance, recordJson] = await Promise.all([
        redis.client.hget(s.session, 'owner'),
        redis.client.hget(s.jobs, jobId),
      ]);
      if (recordJson === null) return undefined;
      const record = JSON.parse(recordJson) as {
        node?: string;
        attempt?: number;
        tried?: unknown;
        state?: string;
      };
      const nodeId = record.node ?? '?';
      const nodeInstance = nodeId === '?' ? null : await redis.client.hget(keys.node(nodeId), 'owner');
      const tried = Array.isArray(record.tried) ? record.tried.map(String) : [];
      return {
        sessionInstance: sessionInstance ?? '?',
        nodeId,
        nodeInstance: nodeInstance || '?',
        attempt: record.attempt ?? 0,
        triedBefore: tried.filter((n) => n !== nodeId),
        state: record.state ?? '?',
      };
    },
    close: () => redis.quit(),
  };
}
