import { unexpectedReply } from '../errors.js';
import { replyString } from './reply.js';
import type { SessionKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { parseJobRecord, type JobRecord } from './job-record.js';

const S = 'job-open';

export type JobOpenResult =
  | { status: 'CREATED'; jobId: string; owner: string }
  /** the utterance already has a job for this target language: release the new reservation, keep this one */
  | { status: 'EXISTS'; jobId: string; record: JobRecord | undefined }
  /** the session no longer exists */
  | { status: 'GONE' };

/** Creates the job of `(record.idx, record.tgt)` unless one exists (idempotent on retries and replays). */
export async function jobOpen(
  runner: ScriptRunner,
  keys: SessionKeys,
  args: { record: JobRecord; now: number },
): Promise<JobOpenResult> {
  const { record } = args;
  const r = await runner.run(
    'job-open',
    [keys.session, keys.jobs, keys.idem],
    [record.idx, record.tgt, record.id, JSON.stringify(record), args.now],
  );
  switch (r[0]) {
    case 'CREATED':
      return { status: 'CREATED', jobId: replyString(S, r, 1), owner: replyString(S, r, 2) };
    case 'EXISTS':
      return {
        status: 'EXISTS',
        jobId: replyString(S, r, 1),
        record: r[2] === '' ? undefined : parseJobRecord(S, r[2]),
      };
    case 'GONE':
      return { status: 'GONE' };
    default:
      throw unexpectedReply(S, r);
  }
}
