/**
 * The job record stored in `{s}:jobs` (lua/README.md "Records"), as this gateway writes it: the store's
 * record plus the fields the job path adds. Redis holds it; the gateway only reads what a script returns.
 */
import type { JobRecord as StoreJobRecord, JobState } from '@lingua/store';

export type { JobState };

export interface JobRecord extends StoreJobRecord {
  /** When the current attempt was sent (ui_event elapsed_ms on the result side). */
  dispatched_at?: number;
  /** The session's trace id (the result side takes it from here, not from the node's echo). */
  trace?: string;
}

/** States from which a job still waits for its node. */
export const OPEN_STATES: readonly JobState[] = ['DISPATCHED', 'ACCEPTED'];

export { reservationMember } from '@lingua/store';
