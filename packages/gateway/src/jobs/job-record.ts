/**
 * The job record stored in `{s}:jobs` (lua/SPEC.md "Job record JSON") and the reservation member format.
 * Redis holds it; the gateway only reads what a script returns.
 */
export type JobState = 'DISPATCHED' | 'ACCEPTED' | 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED';

export interface JobRecord {
  id: string;
  idx: number;
  tgt: string;
  state: JobState;
  attempt: number;
  node: string;
  pool: string;
  shard: number;
  /** Nodes this job was ever assigned to: a retry must go elsewhere (the node agent rejects repeats). */
  tried: string[];
  created_at: number;
  updated_at: number;
  /** When the current attempt was sent (for ui_event elapsed_ms on the result side). */
  dispatched_at?: number;
  deadline_at: number;
  trace?: string;
}

/** States from which a job still waits for its node. */
export const OPEN_STATES = 'DISPATCHED,ACCEPTED';

/** `<nodeId>|<sessionId>|<jobId>|<attempt>`: the reservation entry in a shard's `res` zset. */
export function reservationMember(nodeId: string, sessionId: string, jobId: string, attempt: number): string {
  return `${nodeId}|${sessionId}|${jobId}|${attempt}`;
}

export function parseJobRecord(json: string): JobRecord | undefined {
  try {
    const r = JSON.parse(json) as Partial<JobRecord> | null;
    if (r === null || typeof r !== 'object' || typeof r.id !== 'string' || typeof r.node !== 'string') {
      return undefined;
    }
    return r as JobRecord;
  } catch {
    return undefined;
  }
}
