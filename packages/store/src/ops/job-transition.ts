import { replyNumber, replyString } from './reply.js';
import type { SessionKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { jobCasMiss, parseJobRecord, type JobCasMiss, type JobRecord, type JobState } from './job-record.js';

const S = 'job-transition';

export type JobTransitionResult =
  | {
      status: 'WON';
      /** the record after the transition */
      record: JobRecord;
      sessionOwner: string;
      sessionEpoch: number;
      /** id of the `out` stream entry, when one was added */
      outId: string | undefined;
    }
  /** LOST: attempt, state or node did not match: someone else already moved the job */
  | JobCasMiss;

export interface JobTransitionArgs {
  jobId: string;
  expectedAttempt: number;
  from: readonly JobState[];
  to: JobState;
  /** fence on the record's node (a result must come from the node the attempt went to) */
  node?: string;
  /** fields merged into the record (not state/attempt/updated_at, which the script sets) */
  patch?: Record<string, unknown>;
  /** appended to the session's `out` stream only if this call wins: `msg` (the frame JSON) and its resolution `kind` */
  out?: { msg: string; kind: string };
  now: number;
}

/**
 * Compare-and-set on (attempt, state ∈ from, node): of any number of concurrent callers at most one wins, so a
 * replayed or late message never applies twice. `to: 'DISPATCHED'` is a re-dispatch and bumps the attempt.
 * An illegal move from an allowed state is a caller bug and rejects with `SCRIPT_ERROR` (ILLEGAL_TRANSITION).
 */
export async function jobTransition(
  runner: ScriptRunner,
  keys: SessionKeys,
  args: JobTransitionArgs,
): Promise<JobTransitionResult> {
  const r = await runner.run(
    'job-transition',
    [keys.session, keys.jobs, keys.out],
    [
      args.jobId,
      args.expectedAttempt,
      args.from.join(','),
      args.to,
      args.node ?? '',
      args.patch === undefined ? '' : JSON.stringify(args.patch),
      args.out?.msg ?? '',
      args.now,
      args.out?.kind ?? '',
    ],
  );
  if (r[0] !== 'WON') return jobCasMiss(S, r);
  return {
    status: 'WON',
    record: parseJobRecord(S, r[1]),
    sessionOwner: replyString(S, r, 2),
    sessionEpoch: replyNumber(S, r, 3),
    outId: replyString(S, r, 4) || undefined,
  };
}
