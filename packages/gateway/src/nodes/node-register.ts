/**
 * node_register: validate → node-claim (conflict policy, epoch++) → take the previous
 * registration out of its shard (its reservations carried along) → index-assign → shard-upsert → ack.
 *
 * Conflict policy: a node id whose holder is live is refused with NODE_ID_CONFLICT unless the newcomer proves it
 * is that node — with the token issued in its first ack (*ext* `node_token`, only its hash is stored), or by
 * coming from the same peer address while the old socket is dead. A local old socket is probed with a ping
 * first (two sockets from one address are not proof on their own); a remote one cannot be probed, so the same
 * address counts, and that socket learns it was fenced at its next heartbeat (STALE) and is closed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CAPABILITY_SCHEMA_VERSION, type NodeRegister } from '@lingua/protocol';
import {
  addOwnedNode,
  nodeClaim,
  readNodeHeartbeat,
  readNodeHolder,
  recordNodePlacement,
  type NodeClaimResult,
  type NodeHolder,
  type Reservation,
} from '@lingua/store';
import type { NodeDeps } from './node-deps.js';
import { placementOf, runningServices, type Placement } from './capability.js';
import { languageLimitViolation, nodeSlots } from './capability-limits.js';
import type { NodeRegistration, NodeSocketHandle, RecordBase } from './node-registration.js';
import { placeNode, removeNode, type ShardRef } from './node-placement.js';

const NODE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const CLAIM_ATTEMPTS = 3;
const PROBE_MAX_MS = 1_000;

export async function registerNode(
  conn: NodeSocketHandle,
  msg: NodeRegister,
  receivedAt: number,
): Promise<void> {
  const { ctx } = conn;
  const cfg = ctx.config;
  if (
    msg.capability_schema_version !== undefined &&
    msg.capability_schema_version !== CAPABILITY_SCHEMA_VERSION
  ) {
    return conn.reject(
      'INVALID_CAPABILITY_SCHEMA',
      `capability_schema_version must be "${CAPABILITY_SCHEMA_VERSION}"`,
      {
        path: '/capability_schema_version',
      },
    );
  }
  const gpuPresent = (msg.hardware.gpus ?? []).length > 0;
  if (cfg.requireGpu && !gpuPresent) {
    return conn.reject('NO_GPU_AVAILABLE', 'this gateway accepts only nodes with a GPU', {
      path: '/hardware/gpus',
    });
  }
  const nodeId = msg.node_id ?? newNodeId();
  if (!NODE_ID.test(nodeId)) {
    return conn.reject('INVALID_MESSAGE', `node_id must match ${NODE_ID.source}`, { path: '/node_id' });
  }
  const tooMany = languageLimitViolation(msg, cfg.nodeMaxLanguages);
  if (tooMany) {
    return conn.reject('INVALID_CAPABILITY_SCHEMA', tooMany.message, { path: tooMany.path });
  }
  const placement = placementOf(msg, cfg);
  if (placement.blocks.length === 0) {
    return conn.reject('MODEL_NOT_AVAILABLE', 'the node serves no language pair', {
      path: '/language_capabilities',
    });
  }

  try {
    await claimAndPlace(conn, msg, nodeId, placement, gpuPresent, receivedAt);
  } catch (err) {
    ctx.logger.error({ err, nodeId, peer: conn.peer }, 'node registration failed');
    if (conn.phase === 'registering') {
      conn.reject('SCHEDULER_DEPENDENCY_DOWN', 'registration failed; reconnect later');
    }
  }
}

async function claimAndPlace(
  conn: NodeSocketHandle,
  msg: NodeRegister,
  nodeId: string,
  placement: Placement,
  gpuPresent: boolean,
  receivedAt: number,
): Promise<void> {
  const { ctx } = conn;
  const nodeKey = ctx.keys.node(nodeId);
  let claim: NodeClaimResult | undefined;
  let token: string | undefined;
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const now = Date.now();
    // An id issued just now cannot have a holder: skip the read (one round trip less per new node).
    const { owner, epoch, tokenHash, pool, shard, peer }: Partial<NodeHolder> = msg.node_id
      ? await readNodeHolder(ctx.redis, nodeKey)
      : {};
    const holder = await holderState(ctx, conn, nodeId, {
      owner: owner ?? '',
      epoch: epoch ?? 0,
      pool: pool ?? '',
      shard: shard ?? -1,
      peer: peer ?? '',
      now,
    });
    token = tokenHash ? undefined : randomBytes(24).toString('base64url');
    claim = await nodeClaim(ctx.scripts, nodeKey, {
      nodeId,
      instanceId: ctx.instanceId,
      now,
      ...(epoch === undefined ? {} : { expectedEpoch: epoch }),
      holderLive: holder.live,
      ...(msg.node_token ? { tokenHash: sha256(msg.node_token) } : {}),
      samePeer: holder.samePeer,
      ...(token ? { newTokenHash: sha256(token) } : {}),
    });
    if (claim.status !== 'STALE') break;
  }
  if (!claim || claim.status === 'STALE') {
    return conn.reject('NODE_ID_CONFLICT', 'node id is being registered concurrently');
  }
  if (claim.status === 'CONFLICT') {
    return conn.reject('NODE_ID_CONFLICT', `node id ${nodeId} is held by another live connection`, {
      path: '/node_id',
    });
  }

  const { epoch } = claim;
  const old = ctx.nodes.get(nodeId);
  if (old && old !== conn) old.fence(`node ${nodeId} registered again (epoch ${epoch})`);
  if (claim.prevOwner !== '' && claim.prevOwner !== ctx.instanceId) {
    // The replaced socket is on another instance: it is closed there now, not at its next heartbeat (STALE).
    ctx.router
      .fence({ kind: 'node', id: nodeId, epoch, owner: claim.prevOwner })
      .catch((err: unknown) => ctx.logger.warn({ err, nodeId }, 'node fence not sent'));
  }
  const takeover = claim.prevOwner !== '';

  // Take the previous registration out of its shard; its live reservations move with the node.
  const prev: ShardRef | undefined =
    claim.prevPool !== '' && claim.prevShard >= 0
      ? { poolId: claim.prevPool, shard: claim.prevShard }
      : undefined;
  const samePool = prev?.poolId === placement.poolId;
  let carried: Reservation[] = [];
  let keepShard: number | undefined;
  const now = Date.now();
  if (prev) {
    let removeEpoch = claim.prevEpoch;
    for (let i = 0; i < 2; i++) {
      const removal = await removeNode(ctx, {
        nodeId,
        epoch: removeEpoch,
        at: prev,
        now,
        keepIndex: samePool,
      });
      if (removal.removed) {
        carried = removal.reservations;
        if (samePool) keepShard = prev.shard;
        break;
      }
      // An older leftover record (a registration that never finished) is ours to clear; a newer one fences us.
      if (removal.reason !== 'stale' || removal.epoch === undefined || removal.epoch >= epoch) break;
      removeEpoch = removal.epoch;
    }
  }

  const recordBase: RecordBase = {
    owner: ctx.instanceId,
    region: placement.region,
    tier: placement.tier,
    max: nodeSlots(msg.max_concurrent_jobs, ctx.config.nodeMaxJobs),
    version: msg.version,
    platform: msg.platform,
    public: msg.accept_public_jobs,
    reg_at: now,
    langs: {
      asr_languages: msg.language_capabilities?.asr_languages ?? [],
      semantic_languages: msg.language_capabilities?.semantic_languages ?? [],
      tts_languages: msg.language_capabilities?.tts_languages ?? [],
      ...(msg.lang_sets ? { lang_sets: msg.lang_sets } : {}),
    },
  };
  const placed = await placeNode(ctx, {
    nodeId,
    epoch,
    placement,
    record: {
      ...recordBase,
      status: 'registering',
      ok: 0,
      bad: 0,
      usage: { cpu: 0, mem: 0, running: 0 },
      svc: runningServices(msg.installed_services),
    },
    carried,
    ...(keepShard === undefined ? {} : { keepShard }),
    ...(samePool && prev ? { preferredShard: prev.shard } : {}),
    now,
  });
  if (!placed.ok) {
    return conn.reject('NODE_ID_CONFLICT', `node id ${nodeId} was registered again meanwhile`);
  }
  // Bookkeeping for takeovers and the instance's ownership set: sent now, awaited after the ack (the node is
  // placed already; nothing the node can do next depends on these two writes).
  const bookkeeping = Promise.all([
    recordNodePlacement(ctx.redis, nodeKey, { pool: placement.poolId, shard: placed.shard, peer: conn.peer }),
    addOwnedNode(ctx.redis, ctx.keys.instance(ctx.instanceId), nodeId),
  ]);

  // If the socket closed meanwhile, its close handler is queued behind us and undoes all of this.
  conn.reg = registration(nodeId, epoch, placement, placed.shard, gpuPresent, recordBase, msg);
  conn.phase = 'registered';
  ctx.nodes.set(conn);
  ctx.metrics.nodes.byStatus.inc({ status: 'registering' });
  conn.send({
    type: 'node_register_ack',
    node_id: nodeId,
    message: takeover ? 'registered (previous connection replaced)' : 'registered',
    status: 'registering',
    ...(token ? { node_token: token } : {}),
  });
  ctx.metrics.nodes.registrations.inc({ outcome: takeover ? 'takeover' : 'ok' });
  ctx.metrics.nodes.registerSeconds.observe((performance.now() - receivedAt) / 1000);
  ctx.logger.debug(
    { nodeId, epoch, poolId: placement.poolId, shard: placed.shard, takeover },
    'node registered',
  );
  await bookkeeping;
}

function registration(
  nodeId: string,
  epoch: number,
  placement: Placement,
  shard: number,
  gpuPresent: boolean,
  recordBase: RecordBase,
  msg: NodeRegister,
): NodeRegistration {
  return {
    nodeId,
    epoch,
    placement,
    shard,
    status: 'registering',
    gpuPresent,
    maxJobs: recordBase.max,
    langSets: msg.lang_sets,
    region: msg.region,
    gpuTier: msg.gpu_tier,
    gpus: msg.hardware.gpus,
    langRaw: JSON.stringify(msg.language_capabilities ?? null),
    recordBase,
  };
}

/** Is the current holder of the node id live, and is the newcomer the same peer as that holder? */
async function holderState(
  ctx: NodeDeps,
  conn: NodeSocketHandle,
  nodeId: string,
  h: { owner: string; epoch: number; pool: string; shard: number; peer: string; now: number },
): Promise<{ live: boolean; samePeer: boolean }> {
  if (h.owner === '') return { live: false, samePeer: false };
  const samePeer = h.peer !== '' && h.peer === conn.peer;
  if (h.owner === ctx.instanceId) {
    const local = ctx.nodes.get(nodeId);
    if (!local || local.epoch !== h.epoch || !local.isOpen()) return { live: false, samePeer: false };
    if (!samePeer) return { live: true, samePeer: false };
    // Same address as a socket we hold: a reconnect racing the old socket's death, or a second process? Ask it.
    const alive = await local.probe(Math.min(PROBE_MAX_MS, ctx.config.wsPingIntervalMs));
    return { live: alive, samePeer: false };
  }
  if (h.pool === '' || h.shard < 0) return { live: false, samePeer };
  const last = await readNodeHeartbeat(ctx.redis, ctx.keys.shard(h.pool, h.shard), nodeId);
  const live = last !== undefined && last >= h.now - ctx.config.nodeLivenessTtlMs;
  return { live, samePeer };
}

function newNodeId(): string {
  return `node-${randomBytes(8).toString('hex')}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
