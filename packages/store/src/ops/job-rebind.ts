import type { SessionKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { jobCasMiss, parseJobRecord, type JobCasMiss, type JobRecord } from './job-record.js';

const S = 'job-rebind';

export type JobRebindResult =
  | { status: 'OK'; record: JobRecord }
  /** LOST: the record is no longer the untouched first attempt on `expectedNode` */
  | JobCasMiss;

export interface JobRebindArgs {
  jobId: string;
  expectedAttempt: number;
  /** the node job-open recorded */
  expectedNode: string;
  /** where the slot was actually reserved */
  node: string;
  pool: string;
  shard: number;
  now: number;
}

/**
 * Moves a job that job-open recorded on a proposed node to the node select-reserve chose instead (the two run side
 * by side; lua/README.md "job-rebind"). Must run before the job_assign goes out: results are fenced on the
 * record's node.
 */
export async function jobRebind(
  runner: ScriptRunner,
  keys: SessionKeys,
  args: JobRebindArgs,
): Promise<JobRebindResult> {
  const r = await runner.run(
    'job-rebind',
    [keys.jobs],
    [args.jobId, args.expectedAttempt, args.expectedNode, args.node, args.pool, args.shard, args.now],
  );
  if (r[0] !== 'OK') return jobCasMiss(S, r);
  return { status: 'OK', record: parseJobRecord(S, r[1]) };
}
