/**
 * The seams between the gateway's parts. The composition root (app.ts) builds one GatewayContext per process;
 * node handling, session handling and job handling see each other only through these interfaces, so the
 * cross-instance router can replace local delivery without either side changing.
 */
import type { Logger } from 'pino';
import type {
  Decoders,
  JobAck,
  JobResult,
  JobStarted,
  NodeAsrPartial,
  NodeOutbound,
  SessionOutbound,
} from '@lingua/protocol';
import type { KeySchema, RedisConnection, ScriptRunner } from '@lingua/store';
import type { IndexCache } from './cache/index-cache.js';
import type { GatewayConfig } from './config.js';
import type { Metrics } from './metrics.js';
import type { NodeRegistry } from './nodes/node-registry.js';
import type { InboundGate } from './ws/inbound-gate.js';

/** A reservation removed from a shard: `<nodeId>|<sessionId>|<jobId>|<attempt>` and its expiry. */
export interface ReservationRef {
  nodeId: string;
  sessionId: string;
  jobId: string;
  attempt: number;
}

/** Why a message for a node could not be handed to its socket. */
export type NodeDeliveryFailure = 'node_gone' | 'stale_epoch';

/** What the job side of a session receives from nodes (possibly via another instance). */
export type SessionJobEvent =
  | { kind: 'accepted'; sessionId: string; jobId: string; attempt: number; nodeId: string }
  /** `nodeId`: the node that sent it; the session drops partials from a node that no longer holds the job. */
  | { kind: 'partial'; sessionId: string; jobId: string; nodeId?: string; frame: SessionOutbound }
  | {
      kind: 'result';
      sessionId: string;
      jobId: string;
      attempt: number;
      nodeId: string;
      frames: SessionOutbound[];
      /** `{s}:out` entry holding this resolution for a resume; acknowledged once the client has it. */
      outId?: string;
    }
  | {
      kind: 'failed';
      sessionId: string;
      jobId: string;
      attempt: number;
      nodeId: string;
      code: string;
      message: string;
      retryable: boolean;
    };

/**
 * Delivery seam: the only way to send to a node or a session socket. Local targets are written directly;
 * remote ones go through the target instance's inbox (issue 5).
 */
export interface Router {
  /** Send a frame to the node's socket wherever it is; resolves false (with reason) when the target is gone. */
  deliverToNode(
    target: { nodeId: string; owner: string; epoch: number },
    frame: NodeOutbound,
  ): Promise<true | NodeDeliveryFailure>;
  /**
   * Hand a job event to the job side of the session's owner instance. `owner` omitted = the caller does not
   * know it (asr_partial carries no fence that would return it): the router finds the owner itself.
   */
  deliverToSession(target: { sessionId: string; owner?: string }, event: SessionJobEvent): Promise<void>;
  /**
   * A newer registration (`epoch`) of a node or session was claimed here while `owner` held the previous one:
   * close that older socket wherever it is. Optional: a single-instance router has nothing remote to fence.
   */
  fence?(target: { kind: 'node' | 'session'; id: string; epoch: number; owner: string }): Promise<void>;
}

/** Hooks node handling calls into job handling (implemented by the job service). */
export interface NodeLifecycleHooks {
  /** A node's registration ended (close, fencing, expiry) while it held these reservations: fail them over now. */
  onReservationsLost(nodeId: string, reservations: ReservationRef[], reason: string): void;
}

export interface LocalNodeSocket {
  nodeId: string;
  epoch: number;
  send(frame: NodeOutbound): boolean;
}

export interface LocalSessionSocket {
  sessionId: string;
  epoch: number;
  send(frame: SessionOutbound): boolean;
}

export interface GatewayLoggers {
  root: Logger;
}

// ---- Process-wide context (built by app.ts; extended by the nodes engineer) ----

/** Node frames about jobs, handed to the job side once the node's register ack was sent. */
export type NodeJobFrame = JobAck | JobStarted | NodeAsrPartial | JobResult;

/** What the job side learns about the node socket a job frame arrived on. */
export interface NodeConnectionInfo extends LocalNodeSocket {
  poolId: string;
  shard: number;
  /** Remote address, for logs. */
  peer: string;
}

/** Implemented by the job service (sessions/jobs engineer); app.ts installs a placeholder until it lands. */
export interface JobSide {
  /** A job_ack / job_started / asr_partial / job_result from a registered node. Must not throw. */
  onNodeJobFrame(node: NodeConnectionInfo, msg: NodeJobFrame): void;
  /** Jobs this instance dispatched that have not resolved yet; drain waits for 0 (up to LINGUA_DRAIN_TIMEOUT_MS). */
  inFlight(): number;
  /** Drain began: tell sessions, stop accepting new utterances. */
  onDrain?(): Promise<void> | void;
  /** Called once after every socket closed, before Redis is disconnected. */
  stop?(): Promise<void> | void;
}

export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Commands and scripts. Subscribers use their own `redis.duplicate()`. */
  readonly redis: RedisConnection;
  readonly scripts: ScriptRunner;
  readonly keys: KeySchema;
  readonly instanceId: string;
  /** Frame decoders built with the configured limits. */
  readonly decoders: Decoders;
  readonly index: IndexCache;
  readonly nodes: NodeRegistry;
  /** Swappable seams: the sessions/jobs side installs its implementations at startup (see app.ts). */
  router: Router;
  hooks: NodeLifecycleHooks;
  jobs: JobSide;
  /** 'starting' → 'ready' (after preload) → 'draining' → 'stopped'. */
  readonly phase: () => GatewayPhase;
  /** Per-connection inbound checks (rate limit, text only) for a new socket of either endpoint. */
  readonly newInboundGate: () => InboundGate;
}

export type GatewayPhase = 'starting' | 'ready' | 'draining' | 'stopped';
