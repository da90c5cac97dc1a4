import { unexpectedReply } from '../errors.js';
import { replyNumber, replyString } from './reply.js';

/** Job states (transitions: lua/README.md "Records"); `job-transition` enforces the legal moves. */
export type JobState = 'DISPATCHED' | 'ACCEPTED' | 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED';

export const JOB_STATES: readonly JobState[] = [
  'DISPATCHED',
  'ACCEPTED',
  'COMPLETED',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED',
];

/** The job record stored in `{s}:jobs` (field = jobId). Callers may add fields; scripts keep them. */
export interface JobRecord {
  id: string;
  /** utterance index */
  idx: number;
  tgt: string;
  state: JobState;
  attempt: number;
  node: string;
  pool: string;
  shard: number;
  /** nodes that already had an attempt (a retry must go elsewhere) */
  tried: string[];
  created_at: number;
  updated_at: number;
  deadline_at: number;
  [extra: string]: unknown;
}

function isJobState(v: unknown): v is JobState {
  return typeof v === 'string' && (JOB_STATES as readonly string[]).includes(v);
}

/** Parses a record our scripts wrote; anything else means a script/wrapper mismatch. */
export function parseJobRecord(script: string, json: unknown): JobRecord {
  if (typeof json !== 'string') throw unexpectedReply(script, json);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw unexpectedReply(script, json);
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    !isJobState((value as { state?: unknown }).state) ||
    typeof (value as { attempt?: unknown }).attempt !== 'number'
  ) {
    throw unexpectedReply(script, json);
  }
  return value as JobRecord;
}

/** How a compare-and-set on a job record misses (job-transition, job-rebind): someone else moved it, or it is gone. */
export type JobCasMiss = { status: 'LOST'; state: string; attempt: number } | { status: 'GONE' };

/** Reads a `{'LOST', state, attempt}` or `{'GONE'}` reply; anything else is a script/wrapper mismatch. */
export function jobCasMiss(script: string, r: unknown[]): JobCasMiss {
  if (r[0] === 'GONE') return { status: 'GONE' };
  if (r[0] !== 'LOST') throw unexpectedReply(script, r);
  return { status: 'LOST', state: replyString(script, r, 1), attempt: replyNumber(script, r, 2) };
}
