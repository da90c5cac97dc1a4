/**
 * The cluster router of this instance with its Redis lookups bound: who owns a session now (for events whose
 * owner the sender does not know, and re-routes after a bounce), giving back the reservation of a bounced
 * job_assign, and dropping the ownership entry of a socket that a fence closed.
 */
import type { Logger } from 'pino';
import {
  readJobRecord,
  readSessionOwner,
  removeOwnedNode,
  reserveRelease,
  type Inbox,
  type KeySchema,
  type RedisConnection,
  type ScriptRunner,
} from '@lingua/store';
import type { SessionOwnership } from '../instance/ownership.js';
import type { Metrics } from '../metrics.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import { ClusterRouter, type ClusterSessions } from './cluster-router.js';

export interface InstanceRouterDeps {
  instanceId: string;
  redis: RedisConnection;
  scripts: ScriptRunner;
  keys: KeySchema;
  inbox: Pick<Inbox, 'publish'>;
  nodes: NodeRegistry;
  sessions: ClusterSessions;
  ownership: SessionOwnership;
  logger: Logger;
  metrics: Pick<Metrics, 'cluster'>;
}

export function createInstanceRouter(deps: InstanceRouterDeps): ClusterRouter {
  const { redis, keys, scripts, metrics, logger } = deps;
  return new ClusterRouter({
    instanceId: deps.instanceId,
    publish: (target, payload) => deps.inbox.publish(target, payload),
    nodes: deps.nodes,
    sessions: deps.sessions,
    sessionOwner: (sessionId) => readSessionOwner(redis, keys.session(sessionId)),
    releaseBounced: async (b) => {
      const rec = await readJobRecord(redis, keys.session(b.sessionId), b.jobId);
      if (rec === undefined) return;
      if (rec.attempt !== b.attempt || rec.node !== b.nodeId) return;
      await reserveRelease(scripts, keys.shard(rec.pool, rec.shard), b);
    },
    onFenced: (kind, id) => {
      if (kind === 'session') {
        deps.ownership.release(id);
        return;
      }
      // The newer registration listed the node under its own instance; the fenced socket's close removes nothing.
      removeOwnedNode(redis, keys.instance(deps.instanceId), id).catch((err: unknown) => {
        logger.warn({ err, nodeId: id }, 'fenced node left in the ownership list; takeover skips it');
      });
    },
    logger,
    observe: {
      sent: (type) => metrics.cluster.envelopes.inc({ direction: 'sent', type }),
      received: (type) => metrics.cluster.envelopes.inc({ direction: 'received', type }),
      dropped: (why) => metrics.cluster.undeliverable.inc({ why }),
    },
  });
}
