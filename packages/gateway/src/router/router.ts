/**
 * The delivery seam: the only way to reach a node's or a session's socket. Targets on this instance are written
 * directly; anything owned by another instance goes through that instance's inbox.
 */
import type { NodeOutbound } from '@lingua/protocol';
import type { SessionJobEvent } from '../jobs/job-events.js';

/** Why a message for a node could not be handed to its socket. */
export type NodeDeliveryFailure = 'node_gone' | 'stale_epoch';

/** The socket of one node registration: its id, the instance holding it and the epoch it holds. */
export interface NodeAddress {
  nodeId: string;
  owner: string;
  epoch: number;
}

export type FenceKind = 'node' | 'session';

/** A newer registration (`epoch`) of a node or session exists; `owner` held the previous one. */
export interface FenceTarget {
  kind: FenceKind;
  id: string;
  epoch: number;
  owner: string;
}

export interface Router {
  /** Sends a frame to the node's socket wherever it is; resolves with the reason when the target is gone. */
  deliverToNode(target: NodeAddress, frame: NodeOutbound): Promise<true | NodeDeliveryFailure>;
  /**
   * Hands a job event to the session's owner instance. `owner` omitted = the caller does not know it
   * (asr_partial carries no fence that would return it): the router looks it up.
   */
  deliverToSession(target: { sessionId: string; owner?: string }, event: SessionJobEvent): Promise<void>;
  /** Closes the older socket of a node or session that registered again, wherever that socket is. */
  fence(target: FenceTarget): Promise<void>;
}
