/**
 * The job path's Redis operations, one script each (DESIGN.md §5): select-reserve and reserve-release on a pool
 * shard, job-open and job-transition on the session. Replies are translated into discriminated unions here and
 * nowhere else.
 *
 * Written against the script contract in lua/SPEC.md with `ScriptRunner.run`; when @lingua/store exports typed
 * wrappers for these scripts this module can delegate to them without its callers changing.
 */
import type { KeySchema, ScriptRunner } from '@lingua/store';
import { parseJobRecord, type JobRecord } from './job-record.js';

export type SelectReserveResult =
  | { status: 'OK'; nodeId: string; owner: string; epoch: number; freeLeft: number }
  | { status: 'NO_CAPACITY' }
  | { status: 'EMPTY' };

export type JobOpenResult =
  | { status: 'CREATED'; jobId: string; owner: string }
  | { status: 'EXISTS'; jobId: string; record: JobRecord | undefined }
  | { status: 'GONE' };

export type JobTransitionResult =
  | { status: 'WON'; record: JobRecord; sessionOwner: string; sessionEpoch: number; outId: string }
  | { status: 'LOST'; state: string; attempt: number }
  | { status: 'GONE' };

export class JobStoreError extends Error {
  override readonly name = 'JobStoreError';
  readonly code = 'UNEXPECTED_REPLY';
  constructor(script: string, reply: unknown) {
    super(`${script}: unexpected reply ${JSON.stringify(reply)}`);
  }
}

export interface SelectReserveArgs {
  poolId: string;
  shard: number;
  now: number;
  livenessTtlMs: number;
  reservationTtlMs: number;
  sessionId: string;
  jobId: string;
  attempt: number;
  affinityNodeId: string | undefined;
  exclude: readonly string[];
}

export interface JobTransitionArgs {
  sessionId: string;
  jobId: string;
  expectedAttempt: number;
  from: string;
  to: string;
  fenceNodeId?: string;
  patch?: Record<string, unknown>;
  /** Appended to `{s}:out` when the call wins (replay on resume). */
  outEntry?: string;
  now: number;
}

export class JobStore {
  constructor(
    private readonly scripts: ScriptRunner,
    private readonly keys: KeySchema,
  ) {}

  async selectReserve(a: SelectReserveArgs): Promise<SelectReserveResult> {
    const k = this.keys.shard(a.poolId, a.shard);
    const r = await this.scripts.run(
      'select-reserve',
      [k.info, k.hb, k.free, k.res, k.used],
      [
        a.now,
        // Tie-break seed: any integer; different per call so equal nodes share the load.
        Math.floor(Math.random() * 2_147_483_647),
        a.livenessTtlMs,
        a.reservationTtlMs,
        a.sessionId,
        a.jobId,
        a.attempt,
        a.affinityNodeId ?? '',
        JSON.stringify(a.exclude),
      ],
    );
    switch (r[0]) {
      case 'OK':
        return {
          status: 'OK',
          nodeId: String(r[1]),
          owner: String(r[2]),
          epoch: Number(r[3]),
          freeLeft: Number(r[4]),
        };
      case 'NO_CAPACITY':
        return { status: 'NO_CAPACITY' };
      case 'EMPTY':
        return { status: 'EMPTY' };
      default:
        throw new JobStoreError('select-reserve', r);
    }
  }

  /** Removes one reservation; true if it was still there. */
  async release(poolId: string, shard: number, member: string): Promise<boolean> {
    const k = this.keys.shard(poolId, shard);
    const r = await this.scripts.run('reserve-release', [k.info, k.free, k.res, k.used], [member]);
    if (r[0] !== 'OK') throw new JobStoreError('reserve-release', r);
    return Number(r[1]) === 1;
  }

  async open(sessionId: string, record: JobRecord, now: number): Promise<JobOpenResult> {
    const k = this.keys.session(sessionId);
    const r = await this.scripts.run(
      'job-open',
      [k.session, k.jobs, k.idem],
      [record.idx, record.tgt, record.id, JSON.stringify(record), now],
    );
    switch (r[0]) {
      case 'CREATED':
        return { status: 'CREATED', jobId: String(r[1]), owner: String(r[2]) };
      case 'EXISTS':
        return { status: 'EXISTS', jobId: String(r[1]), record: parseJobRecord(String(r[2] ?? '')) };
      case 'GONE':
        return { status: 'GONE' };
      default:
        throw new JobStoreError('job-open', r);
    }
  }

  async transition(a: JobTransitionArgs): Promise<JobTransitionResult> {
    const k = this.keys.session(a.sessionId);
    const r = await this.scripts.run(
      'job-transition',
      [k.session, k.jobs, k.out],
      [
        a.jobId,
        a.expectedAttempt,
        a.from,
        a.to,
        a.fenceNodeId ?? '',
        a.patch === undefined ? '' : JSON.stringify(a.patch),
        a.outEntry ?? '',
        a.now,
      ],
    );
    switch (r[0]) {
      case 'WON': {
        const record = parseJobRecord(String(r[1]));
        if (!record) throw new JobStoreError('job-transition', r);
        return {
          status: 'WON',
          record,
          sessionOwner: String(r[2] ?? ''),
          sessionEpoch: Number(r[3] ?? 0),
          outId: String(r[4] ?? ''),
        };
      }
      case 'LOST':
        return { status: 'LOST', state: String(r[1]), attempt: Number(r[2]) };
      case 'GONE':
        return { status: 'GONE' };
      default:
        throw new JobStoreError('job-transition', r);
    }
  }
}
