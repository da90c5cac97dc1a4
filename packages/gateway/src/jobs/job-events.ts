/**
 * What the job side of a session hears about its jobs, from the node side of whichever instance owns the node's
 * socket (directly, or through the session owner's inbox). Events cross instances as JSON, so they are plain data.
 */
import type { SessionOutbound } from '@lingua/protocol';
import type { Resolution } from './resolution.js';

/** A reservation removed from a shard together with its node's registration. */
export interface ReservationRef {
  nodeId: string;
  sessionId: string;
  jobId: string;
  attempt: number;
}

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
      /** The settled resolution; its `outId` names the `{s}:out` entry that keeps it for a resume. */
      resolution: Resolution;
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

export type SessionJobEventKind = SessionJobEvent['kind'];
