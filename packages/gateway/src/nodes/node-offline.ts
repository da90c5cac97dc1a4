/**
 * Ending a registration (socket closed, gateway stopping): remove the node's shard record fenced by epoch — a
 * late close of an old socket finds a newer epoch (STALE) or no record (GONE) and removes nothing — release its
 * index slot, clear its owner, and hand its live reservations to the job side so those jobs fail over now.
 */
import { nodeRelease, removeOwnedNode } from '@lingua/store';
import type { NodeDeps } from './node-deps.js';
import type { NodeSocketHandle } from './node-registration.js';
import { parseReservations, removeNode } from './node-placement.js';

export type OfflineReason = 'close' | 'drain' | 'fenced' | 'expired';

export async function unregisterNode(
  ctx: NodeDeps,
  conn: NodeSocketHandle,
  reason: OfflineReason,
): Promise<void> {
  const reg = conn.reg;
  if (!reg) return;
  const now = Date.now();
  try {
    const removal = await removeNode(ctx, {
      nodeId: reg.nodeId,
      epoch: reg.epoch,
      at: { poolId: reg.placement.poolId, shard: reg.shard },
      now,
    });
    if (!removal.removed && removal.reason === 'stale') {
      ctx.logger.debug(
        { nodeId: reg.nodeId, epoch: reg.epoch, newer: removal.epoch },
        'late close of a replaced socket',
      );
      return;
    }
    if (removal.removed) {
      const lost = parseReservations(removal.reservations);
      if (lost.length > 0) ctx.jobs.onReservationsLost(reg.nodeId, lost, reason);
    }
    // GONE (swept while silent) still clears the owner, fenced by the same epoch.
    await Promise.all([
      nodeRelease(ctx.scripts, ctx.keys.node(reg.nodeId), {
        epoch: reg.epoch,
        now,
        retentionMs: ctx.config.nodeRetentionMs,
      }),
      removeOwnedNode(ctx.redis, ctx.keys.instance(ctx.instanceId), reg.nodeId),
    ]);
    ctx.metrics.nodes.offline.inc({ reason });
    ctx.logger.debug({ nodeId: reg.nodeId, epoch: reg.epoch, reason }, 'node offline');
  } catch (err) {
    // The sweep removes what we could not (the record stops heartbeating).
    ctx.logger.warn(
      { err, nodeId: reg.nodeId },
      'node offline: Redis cleanup failed; the sweep will finish it',
    );
  }
}
