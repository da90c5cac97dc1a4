/**
 * node_register: validate → node-claim (identity policy, epoch++) → take the previous registration out of its
 * shard (its reservations carried along) → index-assign → shard-upsert → ack.
 *
 * Identity is proven, never inferred from a peer address. The socket's credential decides which ids it may
 * register at all (`mayUseNodeId`); taking over an id that already exists needs proof that the newcomer is that
 * node: the token issued in its first ack (*ext* `node_token`, only its hash is stored), a credential bound to
 * exactly this id, or a credential of the same subject as the one that registered it. Without proof a live
 * holder is never displaced, and with authentication on an identity that outlived its socket is not taken either.
 * A local old socket counts as live only if it answers a ping; a remote one by its recent heartbeat.
 *
 * A private node (`accept_public_jobs:false`) serves only sessions paired with it (same credential tenant, or its
 * pairing code): its record carries `public: false`, its credential's `tenant` and the hash of its pairing code,
 * which select-reserve compares. The code is issued at its first private registration, kept with the identity
 * (`{n:<id>}`) so reconnects keep it, and returned in every ack of a private registration (*ext* `pairing_code`).
 */
import { randomBytes } from 'node:crypto';
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
  sha256Hex,
  type Reservation,
} from '@lingua/store';
import type { Principal } from '../auth/principal.js';
import type { NodeDeps } from './node-deps.js';
import { placementOf, runningServices, type Placement } from './capability.js';
import { languageLimitViolation, nodeSlots } from './capability-limits.js';
import type { NodeRegistration, NodeSocketHandle, RecordBase } from './node-registration.js';
import { placeNode, removeNode, type ShardRef } from './node-placement.js';
import { newPairingCode, pairingCodeHash } from './pairing-code.js';

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
  const nodeId = msg.node_id ?? newNodeId(conn.principal);
  if (!NODE_ID.test(nodeId)) {
    return conn.reject('INVALID_MESSAGE', `node_id must match ${NODE_ID.source}`, { path: '/node_id' });
  }
  if (!conn.principal.mayUseNodeId(nodeId)) {
    return conn.reject('UNAUTHORIZED', `this credential may not register node id ${nodeId}`, {
      path: '/node_id',
    });
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
  const { ctx, principal } = conn;
  const nodeKey = ctx.keys.node(nodeId);
  let claim: NodeClaimResult | undefined;
  let token: string | undefined;
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const now = Date.now();
    // An id issued just now cannot have a holder: skip the read (one round trip less per new node).
    const { owner, epoch, tokenHash, pool, shard }: Partial<NodeHolder> = msg.node_id
      ? await readNodeHolder(ctx.redis, nodeKey)
      : {};
    const live = await holderLive(ctx, nodeId, {
      owner: owner ?? '',
      epoch: epoch ?? 0,
      pool: pool ?? '',
      shard: shard ?? -1,
      now,
    });
    token = tokenHash ? undefined : randomBytes(24).toString('base64url');
    const privateNode = !msg.accept_public_jobs;
    claim = await nodeClaim(ctx.scripts, nodeKey, {
      nodeId,
      instanceId: ctx.instanceId,
      now,
      ...(epoch === undefined ? {} : { expectedEpoch: epoch }),
      holderLive: live,
      ...(msg.node_token ? { tokenHash: sha256Hex(msg.node_token) } : {}),
      ...(principal.anonymous ? {} : { subjectHash: sha256Hex(`sub:${principal.subject}`) }),
      ...(token ? { newTokenHash: sha256Hex(token) } : {}),
      bound: principal.nodeBinding?.kind === 'exact' && principal.nodeBinding.nodeId === nodeId,
      // With authentication on, an identity that outlived its socket stays its owner's until it expires.
      strict: !principal.anonymous,
      ...(privateNode ? { newPairingCode: newPairingCode() } : {}),
    });
    if (claim.status !== 'STALE') break;
  }
  if (!claim || claim.status === 'STALE') {
    return conn.reject('NODE_ID_CONFLICT', 'node id is being registered concurrently');
  }
  if (claim.status === 'CONFLICT') {
    return conn.reject(
      'NODE_ID_CONFLICT',
      `node id ${nodeId} belongs to another node: present its node_token or a credential bound to it`,
      { path: '/node_id' },
    );
  }

  const { epoch, pairingCode } = claim;
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
    ...(!principal.anonymous && principal.tenant ? { tenant: principal.tenant } : {}),
    ...(pairingCode !== '' ? { pair: pairingCodeHash(pairingCode) } : {}),
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
    ...(pairingCode !== '' ? { pairing_code: pairingCode } : {}),
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

/** Is the current holder of the node id still there? A local socket must answer a ping; a remote one heartbeat. */
async function holderLive(
  ctx: NodeDeps,
  nodeId: string,
  h: { owner: string; epoch: number; pool: string; shard: number; now: number },
): Promise<boolean> {
  if (h.owner === '') return false;
  if (h.owner === ctx.instanceId) {
    const local = ctx.nodes.get(nodeId);
    if (!local || local.epoch !== h.epoch || !local.isOpen()) return false;
    return local.probe(Math.min(PROBE_MAX_MS, ctx.config.wsPingIntervalMs));
  }
  if (h.pool === '' || h.shard < 0) return false;
  const last = await readNodeHeartbeat(ctx.redis, ctx.keys.shard(h.pool, h.shard), nodeId);
  return last !== undefined && last >= h.now - ctx.config.nodeLivenessTtlMs;
}

/** The id of a node that registers without one: the credential's own id or prefix, else a fresh `node-…`. */
function newNodeId(principal: Principal): string {
  const binding = principal.nodeBinding;
  if (binding?.kind === 'exact') return binding.nodeId;
  const prefix = binding?.kind === 'prefix' && binding.prefix !== '' ? binding.prefix : 'node-';
  return `${prefix}${randomBytes(8).toString('hex')}`;
}
