/**
 * What the rest of the gateway may know about a registered node socket on this instance, and what the job side
 * offers the node side. Kept apart from the connection class so neither side imports the other's internals.
 */
import type { JobAck, JobResult, JobStarted, NodeAsrPartial, NodeOutbound } from '@lingua/protocol';
import type { ReservationRef } from '../jobs/job-events.js';

export interface LocalNodeSocket {
  readonly nodeId: string;
  readonly epoch: number;
  send(frame: NodeOutbound): boolean;
}

/** The node socket a job frame arrived on. */
export interface NodeConnectionInfo extends LocalNodeSocket {
  readonly poolId: string;
  readonly shard: number;
  /** Remote address, for logs. */
  readonly peer: string;
}

/** Node frames about jobs, handed to the job side once the node's register ack was sent. */
export type NodeJobFrame = JobAck | JobStarted | NodeAsrPartial | JobResult;

/** The job side as the node side sees it. */
export interface NodeJobSide {
  /** A job_ack / job_started / asr_partial / job_result from a registered node. Must not throw. */
  onNodeJobFrame(node: NodeConnectionInfo, msg: NodeJobFrame): void;
  /** A node's registration ended (close, fencing, expiry) while it held these reservations: fail them over now. */
  onReservationsLost(nodeId: string, reservations: ReservationRef[], reason: string): void;
}
