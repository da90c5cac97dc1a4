/**
 * Everything that makes one gateway process a member of a cluster, started before readiness and stopped on
 * shutdown: the reliable inbox (subscribed, so nothing published to this instance after ready is lost), the
 * cluster router on top of it, presence in `{i}:alive` / `{idx}:instances`, and the BullMQ maintenance worker
 * that sweeps for dead instances and takes them over.
 */
import { Inbox, readJobRecord, readSessionOwner, removeOwnedNode, reserveRelease } from '@lingua/store';
import type { GatewayContext } from '../context.js';
import { ClusterRouter, type ClusterSessions } from '../router/cluster-router.js';
import { startMaintenance, type Maintenance } from './maintenance.js';
import { sessionOwnershipOf } from './ownership.js';
import { Presence } from './presence.js';
import { takeOverInstance } from './takeover.js';

export interface ClusterSessionRegistry extends ClusterSessions {
  readonly size: number;
}

export interface ClusterRuntime {
  readonly router: ClusterRouter;
  readonly inbox: Inbox;
  readonly presence: Presence;
  /** Present once started. */
  readonly maintenance: Maintenance | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createClusterRuntime(ctx: GatewayContext, sessions: ClusterSessionRegistry): ClusterRuntime {
  const { config, keys, metrics } = ctx;
  const logger = ctx.logger.child({ component: 'cluster' });
  const inbox = new Inbox({
    conn: ctx.redis,
    runner: ctx.scripts,
    keys,
    instanceId: ctx.instanceId,
    probeMs: config.inboxProbeMs,
    retentionMs: config.inboxRetentionMs,
    log: logger,
  });
  const router = new ClusterRouter({
    instanceId: ctx.instanceId,
    publish: (target, payload) => inbox.publish(target, payload),
    nodes: ctx.nodes,
    sessions,
    sessionOwner: (sessionId) => readSessionOwner(ctx.redis, keys.session(sessionId)),
    releaseBounced: async (b) => {
      const rec = await readJobRecord(ctx.redis, keys.session(b.sessionId), b.jobId);
      if (rec === undefined) return;
      if (rec.attempt !== b.attempt || rec.node !== b.nodeId) return;
      await reserveRelease(ctx.scripts, keys.shard(rec.pool, rec.shard), b);
    },
    onFenced: (kind, id) => {
      if (kind === 'session') {
        sessionOwnershipOf(ctx).release(id);
        return;
      }
      // The newer registration listed the node under its own instance; the fenced socket's close removes nothing.
      removeOwnedNode(ctx.redis, keys.instance(ctx.instanceId), id).catch((err: unknown) => {
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
  const presence = new Presence({
    redis: ctx.redis,
    keys,
    instanceId: ctx.instanceId,
    tickMs: config.instanceTickMs,
    logger,
    figures: () => {
      const s = inbox.stats();
      metrics.cluster.inboxLag.set(Math.max(0, s.lagMs) / 1000);
      metrics.cluster.inboxReplayed.set(s.replayed);
      metrics.cluster.inboxResubscribes.set(s.resubscribes);
      return {
        inbox: {
          last_seq: s.lastSeq,
          lag_ms: s.lagMs,
          replayed: s.replayed,
          lost: s.lost,
          probes_missed: s.probesMissed,
          resubscribes: s.resubscribes,
        },
        nodes_here: ctx.nodes.size,
        sessions_here: sessions.size,
      };
    },
  });
  let maintenance: Maintenance | undefined;
  let started = false;

  return {
    router,
    inbox,
    presence,
    get maintenance() {
      return maintenance;
    },
    async start() {
      started = true;
      // Subscribed before this instance can own anything, so no envelope addressed to it is published unseen.
      await inbox.start((payload) => router.onInboxMessage(payload));
      await presence.start();
      maintenance = await startMaintenance(ctx, {
        sweepEveryMs: config.sweepIntervalMs,
        takeover: async (id) => {
          const report = await takeOverInstance(ctx, id);
          metrics.cluster.takeovers.inc({ outcome: report.skipped ?? 'done' });
        },
        onEnqueued: (id) => logger.warn({ deadId: id }, 'instance presence gone: takeover enqueued'),
      });
    },
    async stop() {
      if (!started) return;
      await maintenance?.close().catch((err: unknown) => logger.warn({ err }, 'maintenance close failed'));
      await presence.stop();
      await inbox.stop();
    },
  };
}
