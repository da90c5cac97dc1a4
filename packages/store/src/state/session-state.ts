/**
 * Reads of a session's slot (`{s:<id>}`): its owner, one job record, all job records, and the one-round-trip
 * read a resume makes after its claim. Writes to the session go through the Lua scripts (session-claim,
 * job-open, job-transition, ...); the `{s}:out` stream has its own module (session-out.ts).
 */
import type { RedisConnection } from '../connection.js';
import type { SessionKeys } from '../keys.js';
import { parseJobRecord, type JobRecord } from '../ops/job-record.js';
import { decodeOutEntries, type OutEntry } from './session-out.js';

/** The instance owning the session, or undefined when the session does not exist (HGET owner). */
export async function readSessionOwner(
  conn: RedisConnection,
  keys: SessionKeys,
): Promise<string | undefined> {
  return (await conn.client.hget(keys.session, 'owner')) ?? undefined;
}

/** Owner and trace id of the session in one HMGET; both undefined when it does not exist. */
export async function readSessionOwnerAndTrace(
  conn: RedisConnection,
  keys: SessionKeys,
): Promise<{ owner: string | undefined; traceId: string | undefined }> {
  const [owner, trace] = await conn.client.hmget(keys.session, 'owner', 'trace_id');
  return { owner: owner ?? undefined, traceId: trace ?? undefined };
}

/** One job record (HGET); undefined when the job is not there. A record our scripts did not write throws. */
export async function readJobRecord(
  conn: RedisConnection,
  keys: SessionKeys,
  jobId: string,
): Promise<JobRecord | undefined> {
  const json = await conn.client.hget(keys.jobs, jobId);
  return json === null ? undefined : parseJobRecord('job record', json);
}

/** Every job record of the session (HGETALL), by job id; a record this version cannot read is skipped. */
export async function readSessionJobs(
  conn: RedisConnection,
  keys: SessionKeys,
): Promise<Map<string, JobRecord>> {
  return decodeJobs(await conn.client.hgetall(keys.jobs));
}

/** What a resume needs of the session's slot, read at one instant. */
export interface SessionSnapshot {
  /** The session hash (empty when the session is gone). */
  fields: Record<string, string>;
  /** Job records by job id; records this version cannot read are left out. */
  jobs: Map<string, JobRecord>;
  /** `{s}:out` entries, oldest first. */
  out: OutEntry[];
}

/**
 * Session hash, job records and `{s}:out` in one MULTI (one slot, one round trip, one instant): every job is
 * then either still open or has its resolution in `{s}:out` (unless it was acknowledged) — never both.
 */
export async function readSessionSnapshot(
  conn: RedisConnection,
  keys: SessionKeys,
): Promise<SessionSnapshot> {
  const replies = await conn.client
    .multi()
    .hgetall(keys.session)
    .hgetall(keys.jobs)
    .xrange(keys.out, '-', '+')
    .exec();
  if (!replies) throw new Error('session snapshot: transaction aborted');
  const value = <T>(i: number): T => {
    const entry = replies[i];
    if (!entry || entry[0]) throw entry?.[0] ?? new Error(`session snapshot: missing reply ${i}`);
    return entry[1] as T;
  };
  return {
    fields: value<Record<string, string>>(0),
    jobs: decodeJobs(value<Record<string, string>>(1)),
    out: decodeOutEntries(value<[string, string[]][]>(2)),
  };
}

function decodeJobs(raw: Record<string, string>): Map<string, JobRecord> {
  const jobs = new Map<string, JobRecord>();
  for (const [id, json] of Object.entries(raw)) {
    try {
      jobs.set(id, parseJobRecord('job record', json));
    } catch {
      // Skipped rather than failing every reader of the session.
    }
  }
  return jobs;
}
