/**
 * The periodic pass over every shard in the index (every LINGUA_SWEEP_INTERVAL_MS), backing up the scripts'
 * lazy expiry: nodes whose last heartbeat is older than the liveness TTL are removed (fenced by the epoch
 * read just before, so a node that re-registered meanwhile is left alone), their index slots released, their
 * owners cleared and their reservations failed over. The same pass refreshes the index cache's free-slot hints.
 */
import { nodeRelease, readShardNodeRecord, removeOwnedNode, shardCensus } from '@lingua/store';
import type { NodeDeps } from './node-deps.js';
import { parseReservations, removeNode, type ShardRef } from './node-placement.js';

/**
 * Shards examined concurrently. Two keeps a pass short (a census is one small reply) without a burst of replies
 * landing in one event-loop turn: eight at once measurably lengthened heartbeat handling at 10,000 nodes.
 */
const CONCURRENCY = 2;

export class SilentNodeSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly ctx: NodeDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.run(true).catch((err: unknown) => this.ctx.logger.warn({ err }, 'node sweep failed'));
    }, this.ctx.config.sweepIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass; resolves to the number of silent nodes removed. Overlapping calls share one pass. */
  run(removeSilent: boolean): Promise<number> {
    this.running ??= this.pass(removeSilent).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(removeSilent: boolean): Promise<number> {
    const { ctx } = this;
    const shards = ctx.index.allShards();
    let removed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < shards.length) {
        const s = shards[next++] as ShardRef;
        try {
          removed += await this.sweepShard(s, removeSilent);
        } catch (err) {
          ctx.logger.warn({ err, poolId: s.poolId, shard: s.shard }, 'sweep of a shard failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, shards.length) }, worker));
    if (removed > 0) ctx.logger.info({ removed }, 'silent nodes removed');
    return removed;
  }

  private async sweepShard(at: ShardRef, removeSilent: boolean): Promise<number> {
    const { ctx } = this;
    const k = ctx.keys.shard(at.poolId, at.shard);
    const now = Date.now();
    const census = await shardCensus(ctx.scripts, k, {
      silentBefore: now - ctx.config.nodeLivenessTtlMs,
      limit: ctx.config.poolShardSize, // a whole shard can go silent at once (a rack loses power)
    });
    ctx.index.noteFree(at.poolId, at.shard, census.freeSlots);
    ctx.index.noteReady(at.poolId, at.shard, census.ready);
    const silent = census.silent;
    if (!removeSilent || silent.length === 0) return 0;

    let removed = 0;
    for (const nodeId of silent) {
      const rec = await readShardNodeRecord(ctx.redis, k, nodeId);
      if (rec === undefined) continue;
      const epoch = Number(rec.epoch);
      const removal = await removeNode(ctx, { nodeId, epoch: Number.isFinite(epoch) ? epoch : '*', at, now });
      if (!removal.removed) continue;
      removed++;
      ctx.metrics.nodes.sweepRemoved.inc();
      ctx.metrics.nodes.offline.inc({ reason: 'expired' });
      const lost = parseReservations(removal.reservations);
      if (lost.length > 0) ctx.jobs.onReservationsLost(nodeId, lost, 'expired');
      const owner = typeof rec.owner === 'string' && rec.owner !== '' ? rec.owner : undefined;
      await Promise.all([
        Number.isFinite(epoch)
          ? nodeRelease(ctx.scripts, ctx.keys.node(nodeId), {
              epoch,
              now,
              retentionMs: ctx.config.nodeRetentionMs,
            })
          : undefined,
        owner ? removeOwnedNode(ctx.redis, ctx.keys.instance(owner), nodeId) : undefined,
      ]);
    }
    return removed;
  }
}
