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
import { jobTransition, nodeRelease, parseJobRecord, reserveRelease, type JobRecord } from '@lingua/store';
import type { GatewayContext, ReservationRef } from '../context.js';
import { OPEN_STATES } from '../jobs/job-record.js';
import { parseReservations, removeNode } from '../nodes/node-placement.js';

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

export async function takeOverInstance(ctx: GatewayContext, deadId: string): Promise<TakeoverReport> {
  const report: TakeoverReport = { nodesRemoved: 0, nodesLeft: 0, sessionsResolved: 0, jobsResolved: 0 };
  if (deadId === ctx.instanceId) return { ...report, skipped: 'self' };
  const ik = ctx.keys.instance(deadId);
  const redis = ctx.redis.client;
  if ((await redis.exists(ik.alive)) === 1) return { ...report, skipped: 'alive' };

  const [nodeIds, sessionIds] = await Promise.all([redis.smembers(ik.nodes), redis.smembers(ik.sessions)]);
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
  await Promise.all([
    redis.del(ik.seq, ik.log, ik.nodes, ik.sessions),
    redis.zrem(ctx.keys.index().instances, deadId),
  ]);
  ctx.logger.info({ deadId, ...report }, 'instance taken over');
  return report;
}

/** true when the registration was still the dead instance's and is now gone. */
async function releaseNode(ctx: GatewayContext, deadId: string, nodeId: string): Promise<boolean> {
  const nodeKey = ctx.keys.node(nodeId);
  const [owner, epochText, pool, shardText] = await ctx.redis.client.hmget(
    nodeKey,
    'owner',
    'epoch',
    'pool',
    'shard',
  );
  if (owner !== deadId) return false;
  const epoch = Number(epochText);
  const shard = Number(shardText);
  const now = Date.now();
  if (pool && Number.isInteger(shard) && shard >= 0) {
    const removal = await removeNode(ctx, { nodeId, epoch, at: { poolId: pool, shard }, now });
    if (!removal.removed && removal.reason === 'stale') return false; // a newer registration sits there
    if (removal.removed) {
      const lost = await liveSessionsOnly(ctx, deadId, parseReservations(removal.reservations));
      if (lost.length > 0) ctx.hooks.onReservationsLost(nodeId, lost, INSTANCE_LOST);
    }
  }
  const released = await nodeRelease(ctx.scripts, nodeKey, { epoch, now });
  return released.status === 'OK';
}

/**
 * Reservations whose session lives on another instance: those sessions retry at once. Sessions of the dead
 * instance itself are resolved by the session step (their events would only land in a dead inbox).
 */
async function liveSessionsOnly(
  ctx: GatewayContext,
  deadId: string,
  refs: ReservationRef[],
): Promise<ReservationRef[]> {
  const ids = [...new Set(refs.map((r) => r.sessionId))];
  const owners = await Promise.all(
    ids.map((id) => ctx.redis.client.hget(ctx.keys.session(id).session, 'owner')),
  );
  const dead = new Set(ids.filter((_, i) => owners[i] === deadId));
  return refs.filter((r) => !dead.has(r.sessionId));
}

/** Number of jobs resolved, or -1 when the session is not the dead instance's any more. */
async function resolveSession(ctx: GatewayContext, deadId: string, sessionId: string): Promise<number> {
  const sk = ctx.keys.session(sessionId);
  const [owner, trace] = await ctx.redis.client.hmget(sk.session, 'owner', 'trace_id');
  if (owner !== deadId) return -1;
  const raw = await ctx.redis.client.hgetall(sk.jobs);
  let resolved = 0;
  for (const json of Object.values(raw)) {
    let rec: JobRecord;
    try {
      rec = parseJobRecord('takeover', json);
    } catch {
      continue;
    }
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
      outEntry: JSON.stringify(missing),
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
async function cancelAtNode(ctx: GatewayContext, nodeId: string, jobId: string): Promise<void> {
  const [owner, epoch] = await ctx.redis.client.hmget(ctx.keys.node(nodeId), 'owner', 'epoch');
  if (!owner) return;
  await ctx.router.deliverToNode(
    { nodeId, owner, epoch: Number(epoch) },
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
