/**
 * What a resume hands the new Session: settled resolutions to replay in utterance order, jobs still at their
 * nodes to track, and where utterance numbering continues.
 */
import type { SessionOutbound } from '@lingua/protocol';
import type { JobRecord } from '@lingua/store';
import type { NodeTarget } from '../jobs/dispatcher.js';
import type { ResolutionKind } from '../jobs/resolution.js';

/** A settled resolution the client has not acknowledged: replayed in utterance order. */
export interface ReplayEntry {
  index: number;
  jobId: string;
  /** What the resolution was when it was made (kept beside the frame in `{s}:out`). */
  kind: ResolutionKind;
  /** The frame that resolves the index. */
  frame: SessionOutbound;
  /** `{s}:out` entry id, acknowledged (deleted) once the client has the frame. */
  outId: string;
}

/** A job still at its node: tracked here until it resolves (no retry: its audio stayed with the old owner). */
export interface AdoptedJob {
  record: JobRecord;
  target: NodeTarget;
}

export interface SessionRestore {
  nextIndex: number;
  replay: ReplayEntry[];
  open: AdoptedJob[];
}
