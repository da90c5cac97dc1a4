/**
 * What the node side (sockets, registration, heartbeats, placement, the silent-node sweep) needs from the rest
 * of the gateway. Built once by the composition root; each module takes the part of it it uses.
 */
import type { Logger } from 'pino';
import type { Decoders } from '@lingua/protocol';
import type { KeySchema, RedisConnection, ScriptRunner } from '@lingua/store';
import type { IndexCache } from '../cache/index-cache.js';
import type { GatewayConfig } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Router } from '../router/router.js';
import type { InboundGate } from '../ws/inbound-gate.js';
import type { NodeRegistry } from './node-registry.js';
import type { NodeJobSide } from './node-socket.js';

export type NodeSettings = Pick<
  GatewayConfig,
  | 'region'
  | 'gpuTierThresholds'
  | 'requireGpu'
  | 'nodeMaxJobs'
  | 'nodeMaxLanguages'
  | 'poolShardSize'
  | 'nodeLivenessTtlMs'
  | 'nodeReadyHeartbeats'
  | 'nodeDegradeHeartbeats'
  | 'sweepIntervalMs'
  | 'wsPingIntervalMs'
  | 'initTimeoutMs'
  | 'nodeRetentionMs'
>;

/** The Redis side of node placement: scripts on shards and the index, and the free-slot hints they return. */
export interface PlacementDeps {
  readonly config: Pick<NodeSettings, 'poolShardSize'>;
  readonly scripts: ScriptRunner;
  readonly keys: KeySchema;
  readonly index: Pick<IndexCache, 'noteFree'>;
}

export interface NodeDeps extends PlacementDeps {
  readonly config: NodeSettings;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'nodes' | 'errors' | 'ws'>;
  readonly redis: RedisConnection;
  readonly decoders: Pick<Decoders, 'decodeNodeFrame'>;
  readonly index: Pick<IndexCache, 'noteFree' | 'noteReady' | 'allShards'>;
  /** This instance's registered node sockets. */
  readonly nodes: NodeRegistry;
  readonly router: Pick<Router, 'fence'>;
  readonly jobs: NodeJobSide;
  newInboundGate(): InboundGate;
}
