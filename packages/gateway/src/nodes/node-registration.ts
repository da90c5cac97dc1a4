/**
 * A node socket's registration as the node side's handlers see it: what the socket knows about its registration
 * (Redis holds the truth) and what a handler may do with the socket.
 */
import type { Hardware, NodeStatusValue } from '@lingua/protocol';
import type { NodeRecord } from '@lingua/store';
import type { Principal } from '../auth/principal.js';
import type { Placement } from './capability.js';
import type { NodeDeps } from './node-deps.js';
import type { RegisteredNode } from './node-registry.js';

/** Record fields fixed at registration (heartbeats change status, streaks, usage and services). */
export type RecordBase = Pick<NodeRecord, 'owner' | 'region' | 'tier' | 'max' | 'reg_at' | 'langs'> & {
  version: string;
  platform: string;
  /** false: a private node, which serves only sessions paired with it. */
  public: boolean;
  /** The tenant of the node's credential (authentication on). */
  tenant?: string;
  /** Hash of a private node's pairing code. */
  pair?: string;
};

/** What a registered socket knows about its registration (Redis holds the truth). */
export interface NodeRegistration {
  nodeId: string;
  epoch: number;
  placement: Placement;
  shard: number;
  status: NodeStatusValue;
  gpuPresent: boolean;
  maxJobs: number;
  /** Registration inputs of the capability that heartbeats do not repeat. */
  langSets: string[][] | undefined;
  region: string | undefined;
  gpuTier: string | undefined;
  gpus: Hardware['gpus'];
  /** Last `language_capabilities` seen, serialised: a heartbeat recomputes the pool only when this changes. */
  langRaw: string;
  /** Record fields that do not change with heartbeats. */
  recordBase: RecordBase;
}

export type NodePhase = 'new' | 'registering' | 'registered' | 'rejected' | 'fenced' | 'closed';

/** One node socket, as register / heartbeat / offline handle it. */
export interface NodeSocketHandle extends RegisteredNode {
  readonly ctx: NodeDeps;
  readonly peer: string;
  readonly principal: Principal;
  reg: NodeRegistration | undefined;
  phase: NodePhase;
  /** Refuses the registration: error frame, then close. */
  reject(code: string, message: string, details?: Record<string, unknown>): void;
  sendError(code: string, message: string, details?: Record<string, unknown>): void;
  /** Records a status change locally and tells the node (`node_status`). */
  setStatus(status: NodeStatusValue, reason: string): void;
}
