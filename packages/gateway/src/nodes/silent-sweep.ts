/**
 * The periodic pass over every shard in the index (every LINGUA_SWEEP_INTERVAL_MS), backing up the scripts'
 * lazy expiry: nodes whose last heartbeat is older than the liveness TTL are removed (fenced by the epoch
 * read just before, so a node that re-registered meanwhile is left alone), their index slots released, their
 * owners cleared and their reservations failed over. The same pass refreshes the index cache's free-slot hints.
 */
import { nodeRelease } from '@lingua/store';
import type { GatewayContext } from '../context.js';
import { parseReservations, removeNode, type ShardRef } from './node-placement.js';

/** Shards examined concurrently: enough to finish 100+ shards quickly without flooding Redis. */
const CONCURRENCY = 8;

export class SilentNodeSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly ctx: GatewayContext) {}

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
    const replies = await ctx.redis.client
      .multi()
      .zrangebyscore(k.hb, '-inf', `(${now - ctx.config.nodeLivenessTtlMs}`)
      .zrange(k.free, '0', '-1', 'WITHSCORES')
      .exec();
    const silent = (replies?.[0]?.[1] ?? []) as string[];
    const free = (replies?.[1]?.[1] ?? []) as string[];
    let slots = 0;
    for (let i = 1; i < free.length; i += 2) slots += Number(free[i]);
    ctx.index.noteFree(at.poolId, at.shard, slots);
    // Every ready node sits in the free zset (score 0 when full): its size is the shard's ready count.
    ctx.index.noteReady(at.poolId, at.shard, free.length / 2);
    if (!removeSilent || silent.length === 0) return 0;

    let removed = 0;
    for (const nodeId of silent) {
      const raw = await ctx.redis.client.hget(k.info, nodeId);
      if (raw === null) continue;
      let rec: { epoch?: unknown; owner?: unknown };
      try {
        rec = JSON.parse(raw) as { epoch?: unknown; owner?: unknown };
      } catch {
        rec = {};
      }
      const epoch = Number(rec.epoch);
      const removal = await removeNode(ctx, { nodeId, epoch: Number.isFinite(epoch) ? epoch : '*', at, now });
      if (!removal.removed) continue;
      removed++;
      ctx.metrics.nodes.sweepRemoved.inc();
      ctx.metrics.nodes.offline.inc({ reason: 'expired' });
      const lost = parseReservations(removal.reservations);
      if (lost.length > 0) ctx.hooks.onReservationsLost(nodeId, lost, 'expired');
      const owner = typeof rec.owner === 'string' && rec.owner !== '' ? rec.owner : undefined;
      await Promise.all([
        Number.isFinite(epoch) ? nodeRelease(ctx.scripts, ctx.keys.node(nodeId), { epoch, now }) : undefined,
        owner ? ctx.redis.client.srem(ctx.keys.instance(owner).nodes, nodeId) : undefined,
      ]);
    }
    return removed;
  }
}
