/**
 * node_heartbeat: normally exactly one `node-heartbeat` script on the node's shard (liveness, usage, health
 * streak, status transition, free slots). Two rare paths cost more: a changed language capability moves the
 * node to its new pool first (reservations carried), and a record that vanished (swept during a long silence)
 * is placed again if this socket still holds the newest epoch. STALE means a newer registration fenced us.
 */
import { performance } from 'node:perf_hooks';
import type { NodeHeartbeat, NodeStatusValue } from '@lingua/protocol';
import { nodeClaim, nodeHeartbeat, recordNodePlacement, type NodeUsage } from '@lingua/store';
import { isHealthy, placementOf, runningServices, type Placement } from './capability.js';
import { languageLimitViolation } from './capability-limits.js';
import type { NodeSocketHandle } from './node-registration.js';
import { placeNode, removeNode, type PlacementRecord } from './node-placement.js';

const STATUS_REASON: Partial<Record<NodeStatusValue, string>> = {
  ready: 'healthy heartbeats',
  degraded: 'core services not running or no GPU',
  registering: 'registration restored after silence',
};

export async function handleHeartbeat(
  conn: NodeSocketHandle,
  msg: NodeHeartbeat,
  receivedAt: number,
): Promise<void> {
  const { ctx } = conn;
  const reg = conn.reg;
  if (!reg || conn.phase !== 'registered') return; // closed or fenced while queued
  if (msg.node_id !== reg.nodeId) {
    conn.sendError('INVALID_MESSAGE', "node_heartbeat: node_id is not this socket's node", {
      path: '/node_id',
    });
    return;
  }
  let outcome = 'ok';
  try {
    if (msg.language_capabilities !== undefined) {
      const raw = JSON.stringify(msg.language_capabilities);
      if (raw !== reg.langRaw) {
        const input = {
          lang_sets: reg.langSets,
          language_capabilities: msg.language_capabilities,
          installed_models: msg.installed_models,
          region: reg.region,
          gpu_tier: reg.gpuTier,
          hardware: { gpus: reg.gpus },
        };
        const tooMany = languageLimitViolation(input, ctx.config.nodeMaxLanguages);
        if (tooMany) {
          // Refused like an invalid frame: an error, and nothing changes (no move, no liveness update).
          outcome = 'refused';
          conn.sendError('INVALID_CAPABILITY_SCHEMA', tooMany.message, { path: tooMany.path });
          return;
        }
        reg.langRaw = raw;
        const next = placementOf(input, ctx.config);
        if (next.blocks.length > 0 && next.poolId !== reg.placement.poolId) {
          outcome = 'move';
          if (!(await moveNode(conn, next, msg))) return fenced(conn, 'stale');
        }
      }
    }
    const usage: NodeUsage = {
      cpu: msg.resource_usage.cpu_percent,
      ...(msg.resource_usage.gpu_percent === undefined ? {} : { gpu: msg.resource_usage.gpu_percent }),
      ...(msg.resource_usage.gpu_mem_percent === undefined
        ? {}
        : { gpu_mem: msg.resource_usage.gpu_mem_percent }),
      mem: msg.resource_usage.mem_percent,
      running: msg.resource_usage.running_jobs,
    };
    const args = {
      nodeId: reg.nodeId,
      epoch: reg.epoch,
      usage,
      healthy: isHealthy(msg, reg.gpuPresent || !ctx.config.requireGpu),
      readyAfter: ctx.config.nodeReadyHeartbeats,
      degradeAfter: ctx.config.nodeDegradeHeartbeats,
      running: msg.resource_usage.running_jobs,
    };
    let r = await nodeHeartbeat(ctx.scripts, ctx.keys.shard(reg.placement.poolId, reg.shard), {
      ...args,
      now: Date.now(),
    });
    if (r.status === 'GONE') {
      outcome = 'gone';
      if (!(await placeAgain(conn, msg))) return fenced(conn, outcome);
      r = await nodeHeartbeat(ctx.scripts, ctx.keys.shard(reg.placement.poolId, reg.shard), {
        ...args,
        epoch: reg.epoch, // placed again under a new epoch
        now: Date.now(),
      });
    }
    if (r.status === 'STALE') return fenced(conn, 'stale');
    if (r.status === 'GONE') return fenced(conn, 'gone');
    if (r.nodeStatus !== reg.status) {
      const status = r.nodeStatus as NodeStatusValue;
      conn.setStatus(status, STATUS_REASON[status] ?? 'status changed');
    }
  } catch (err) {
    outcome = 'error';
    ctx.logger.warn({ err, nodeId: reg.nodeId }, 'heartbeat failed');
  } finally {
    ctx.metrics.nodes.heartbeats.inc({ outcome });
    ctx.metrics.nodes.heartbeatSeconds.observe((performance.now() - receivedAt) / 1000);
  }
}

function fenced(conn: NodeSocketHandle, outcome: string): void {
  conn.ctx.metrics.nodes.heartbeats.inc({ outcome: `fenced_${outcome}` });
  conn.fence('a newer registration of this node exists');
}

/** Capability changed: out of the old shard (index released, reservations taken) and into the new pool. */
async function moveNode(conn: NodeSocketHandle, next: Placement, msg: NodeHeartbeat): Promise<boolean> {
  const { ctx } = conn;
  const reg = conn.reg;
  if (!reg) return false;
  const now = Date.now();
  const removal = await removeNode(ctx, {
    nodeId: reg.nodeId,
    epoch: reg.epoch,
    at: { poolId: reg.placement.poolId, shard: reg.shard },
    now,
  });
  if (!removal.removed && removal.reason === 'stale') return false;
  const placed = await placeNode(ctx, {
    nodeId: reg.nodeId,
    epoch: reg.epoch,
    placement: next,
    record: recordFor(conn, msg, reg.status),
    carried: removal.removed ? removal.reservations : [],
    now,
  });
  if (!placed.ok) return false;
  await recordNodePlacement(ctx.redis, ctx.keys.node(reg.nodeId), { pool: next.poolId, shard: placed.shard });
  ctx.logger.info(
    { nodeId: reg.nodeId, from: reg.placement.poolId, to: next.poolId, shard: placed.shard },
    'node moved to another pool',
  );
  reg.placement = next;
  reg.shard = placed.shard;
  ctx.metrics.nodes.moves.inc();
  return true;
}

/**
 * The shard record vanished (swept while silent, owner cleared): claim the id again, fenced on the epoch this
 * socket holds (a newer registration elsewhere makes the claim STALE), and place the node again.
 */
async function placeAgain(conn: NodeSocketHandle, msg: NodeHeartbeat): Promise<boolean> {
  const { ctx } = conn;
  const reg = conn.reg;
  if (!reg) return false;
  const nodeKey = ctx.keys.node(reg.nodeId);
  const claim = await nodeClaim(ctx.scripts, nodeKey, {
    nodeId: reg.nodeId,
    instanceId: ctx.instanceId,
    now: Date.now(),
    expectedEpoch: reg.epoch,
    holderLive: false,
    // This socket holds the very registration it re-claims (the expected epoch fences anyone newer).
    bound: true,
  });
  if (claim.status !== 'OK') return false;
  reg.epoch = claim.epoch;
  const placed = await placeNode(ctx, {
    nodeId: reg.nodeId,
    epoch: reg.epoch,
    placement: reg.placement,
    record: recordFor(conn, msg, 'registering'),
    carried: [],
    preferredShard: reg.shard,
    now: Date.now(),
  });
  if (!placed.ok) return false;
  await recordNodePlacement(ctx.redis, nodeKey, {
    pool: reg.placement.poolId,
    shard: placed.shard,
    peer: conn.peer,
  });
  reg.shard = placed.shard;
  conn.setStatus('registering', STATUS_REASON.registering ?? 'registering');
  ctx.logger.info({ nodeId: reg.nodeId, epoch: reg.epoch }, 'node placed again after its record expired');
  return true;
}

function recordFor(conn: NodeSocketHandle, msg: NodeHeartbeat, status: NodeStatusValue): PlacementRecord {
  const reg = conn.reg as NonNullable<NodeSocketHandle['reg']>;
  return {
    ...reg.recordBase,
    status,
    ok: 0,
    bad: 0,
    usage: {
      cpu: msg.resource_usage.cpu_percent,
      mem: msg.resource_usage.mem_percent,
      running: msg.resource_usage.running_jobs,
    },
    svc: runningServices(msg.installed_services),
  };
}
