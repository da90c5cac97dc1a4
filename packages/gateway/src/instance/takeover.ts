/**
 * Taking over a dead instance (docs/architecture.md "An instance dies"), run by the maintenance worker of whichever
 * live instance gets the `takeover` job. Every step is fenced, so a retried or duplicated takeover changes nothing
 * twice, and a node or session that already moved to a live instance is left alone:
 * - its node registrations that did not reconnect elsewhere (owner still the dead instance) are removed at their
 *   epoch; their reservations go to the job side, whose sessions retry elsewhere at once;
 * - the open jobs of its sessions that were not resumed elsewhere are resolved: CANCELLED with a
 *   `missing_result` in `{s}:out` (a later resume replays it), slot released, node told `job_cancel`;
 * - its inbox keys and ownership lists are deleted and it leaves `{idx}:instances`.
 */
import type { SessionOutbound } from '@lingua/protocol';
import type { Logger } from 'pino';
import {
  forgetInstance,
  hasPresence,
  jobTransition,
  listOwned,
  nodeRelease,
  readNodeHolder,
  readNodeOwner,
  readSessionJobs,
  readSessionOwner,
  readSessionOwnerAndTrace,
  reserveRelease,
  type RedisConnection,
} from '@lingua/store';
import type { ReservationRef } from '../jobs/job-events.js';
import type { NodeSettings, PlacementDeps } from '../nodes/node-deps.js';
import type { NodeJobSide } from '../nodes/node-socket.js';
import type { Router } from '../router/router.js';
import { OPEN_STATES } from '../jobs/job-record.js';
import { parseReservations, removeNode } from '../nodes/node-placement.js';

export interface TakeoverDeps extends PlacementDeps {
  readonly config: Pick<NodeSettings, 'poolShardSize' | 'nodeRetentionMs'>;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly redis: RedisConnection;
  readonly jobs: Pick<NodeJobSide, 'onReservationsLost'>;
  readonly router: Pick<Router, 'deliverToNode'>;
}

export interface TakeoverReport {
  /** 'alive': presence came back (or it is this instance), nothing was touched. */
  skipped?: 'alive' | 'self';
  nodesRemoved: number;
  /** Listed nodes that re-registered elsewhere (or were already gone). */
  nodesLeft: number;
  sessionsResolved: number;
  jobsResolved: number;
}

/** The `missing_result` reason of an utterance whose session owner died before it resolved. */
export const INSTANCE_LOST = 'instance_lost';

/** Items handled at once: enough to take over thousands of sockets quickly without flooding Redis. */
const CONCURRENCY = 8;

export async function takeOverInstance(ctx: TakeoverDeps, deadId: string): Promise<TakeoverReport> {
  const report: TakeoverReport = { nodesRemoved: 0, nodesLeft: 0, sessionsResolved: 0, jobsResolved: 0 };
  if (deadId === ctx.instanceId) return { ...report, skipped: 'self' };
  const ik = ctx.keys.instance(deadId);
  if (await hasPresence(ctx.redis, ik)) return { ...report, skipped: 'alive' };

  const { nodes: nodeIds, sessions: sessionIds } = await listOwned(ctx.redis, ik);
  await eachLimited(nodeIds, async (nodeId) => {
    if (await releaseNode(ctx, deadId, nodeId)) report.nodesRemoved++;
    else report.nodesLeft++;
  });
  await eachLimited(sessionIds, async (sessionId) => {
    const resolved = await resolveSession(ctx, deadId, sessionId);
    if (resolved >= 0) report.sessionsResolved++;
    report.jobsResolved += Math.max(0, resolved);
  });
  // Only after everything above succeeded (a failure makes BullMQ retry the whole, idempotent, takeover).
  await forgetInstance(ctx.redis, ctx.keys, deadId);
  ctx.logger.info({ deadId, ...report }, 'instance taken over');
  return report;
}

/** true when the registration was still the dead instance's and is now gone. */
async function releaseNode(ctx: TakeoverDeps, deadId: string, nodeId: string): Promise<boolean> {
  const nodeKey = ctx.keys.node(nodeId);
  const holder = await readNodeHolder(ctx.redis, nodeKey);
  if (holder.owner !== deadId) return false;
  const epoch = holder.epoch ?? 0;
  const { pool, shard } = holder;
  const now = Date.now();
  if (pool && shard !== undefined && Number.isInteger(shard) && shard >= 0) {
    const removal = await removeNode(ctx, { nodeId, epoch, at: { poolId: pool, shard }, now });
    if (!removal.removed && removal.reason === 'stale') return false; // a newer registration sits there
    if (removal.removed) {
      const lost = await liveSessionsOnly(ctx, deadId, parseReservations(removal.reservations));
      if (lost.length > 0) ctx.jobs.onReservationsLost(nodeId, lost, INSTANCE_LOST);
    }
  }
  const released = await nodeRelease(ctx.scripts, nodeKey, {
    epoch,
    now,
    retentionMs: ctx.config.nodeRetentionMs,
  });
  return released.status === 'OK';
}

/**
 * Reservations whose session lives on another instance: those sessions retry at once. Sessions of the dead
 * instance itself are resolved by the session step (their events would only land in a dead inbox).
 */
async function liveSessionsOnly(
  ctx: TakeoverDeps,
  deadId: string,
  refs: ReservationRef[],
): Promise<ReservationRef[]> {
  const ids = [...new Set(refs.map((r) => r.sessionId))];
  const owners = await Promise.all(ids.map((id) => readSessionOwner(ctx.redis, ctx.keys.session(id))));
  const dead = new Set(ids.filter((_, i) => owners[i] === deadId));
  return refs.filter((r) => !dead.has(r.sessionId));
}

/** Number of jobs resolved, or -1 when the session is not the dead instance's any more. */
async function resolveSession(ctx: TakeoverDeps, deadId: string, sessionId: string): Promise<number> {
  const sk = ctx.keys.session(sessionId);
  const { owner, traceId: trace } = await readSessionOwnerAndTrace(ctx.redis, sk);
  if (owner !== deadId) return -1;
  const jobs = await readSessionJobs(ctx.redis, sk);
  let resolved = 0;
  for (const rec of jobs.values()) {
    if (!OPEN_STATES.includes(rec.state)) continue;
    const now = Date.now();
    const missing: SessionOutbound = {
      type: 'missing_result',
      session_id: sessionId,
      utterance_index: rec.idx,
      reason: INSTANCE_LOST,
      created_at_ms: now,
      ...(trace ? { trace_id: trace } : {}),
    };
    const t = await jobTransition(ctx.scripts, sk, {
      jobId: rec.id,
      expectedAttempt: rec.attempt,
      from: OPEN_STATES,
      to: 'CANCELLED',
      patch: { end_reason: INSTANCE_LOST },
      out: { msg: JSON.stringify(missing), kind: 'missing' },
      now,
    });
    if (t.status !== 'WON') continue;
    resolved++;
    await Promise.all([
      reserveRelease(ctx.scripts, ctx.keys.shard(rec.pool, rec.shard), {
        nodeId: rec.node,
        sessionId,
        jobId: rec.id,
        attempt: rec.attempt,
      }),
      cancelAtNode(ctx, rec.node, rec.id),
    ]);
  }
  return resolved;
}

/** Best effort: the node stops working on a job nobody waits for. */
async function cancelAtNode(ctx: TakeoverDeps, nodeId: string, jobId: string): Promise<void> {
  const { owner, epoch } = await readNodeOwner(ctx.redis, ctx.keys.node(nodeId));
  if (!owner) return;
  await ctx.router.deliverToNode(
    { nodeId, owner, epoch },
    { type: 'job_cancel', job_id: jobId, reason: 'session owner lost' },
  );
}

async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
