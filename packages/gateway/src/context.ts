/**
 * The seams between the gateway's parts. The composition root (app.ts) builds one GatewayContext per process;
 * node handling, session handling and job handling see each other only through these interfaces, so the
 * cross-instance router can replace local delivery without either side changing.
 */
import type { Logger } from 'pino';
import type { NodeOutbound, SessionOutbound } from '@lingua/protocol';

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
  | { kind: 'partial'; sessionId: string; jobId: string; frame: SessionOutbound }
  | { kind: 'result'; sessionId: string; jobId: string; attempt: number; nodeId: string; frames: SessionOutbound[] }
  | { kind: 'failed'; sessionId: string; jobId: string; attempt: number; nodeId: string; code: string; message: string; retryable: boolean };

/**
 * Delivery seam: the only way to send to a node or a session socket. Local targets are written directly;
 * remote ones go through the target instance's inbox (issue 5).
 */
export interface Router {
  /** Send a frame to the node's socket wherever it is; resolves false (with reason) when the target is gone. */
  deliverToNode(target: { nodeId: string; owner: string; epoch: number }, frame: NodeOutbound): Promise<true | NodeDeliveryFailure>;
  /** Hand a job event to the job side of the session's owner instance. */
  deliverToSession(target: { sessionId: string; owner: string }, event: SessionJobEvent): Promise<void>;
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
