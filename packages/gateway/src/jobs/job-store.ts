/**
 * The job path's Redis operations, one script each (contracts in lua/README.md): select-reserve and reserve-release
 * on a pool shard, job-open, job-rebind and job-transition on the session. A thin layer over the @lingua/store
 * wrappers that binds the key schema, so the job path speaks ids and never builds keys.
 */
import {
  jobOpen,
  jobRebind,
  jobTransition,
  reserveReleaseMany,
  selectReserve,
  type JobCasMiss,
  type JobOpenResult,
  type JobRebindResult,
  type JobState,
  type KeySchema,
  type ScriptRunner,
  type SelectReserveResult,
  TurnBatcher,
} from '@lingua/store';
import type { JobRecord } from './job-record.js';
import type { NodeAccess } from './node-access.js';

export type { JobOpenResult, SelectReserveResult };

export type JobTransitionResult =
  | {
      status: 'WON';
      record: JobRecord;
      sessionOwner: string;
      sessionEpoch: number;
      /** The `{s}:out` entry added by this call, when `outEntry` was given. */
      outId?: string;
    }
  | JobCasMiss;

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
  /** Which private nodes may serve the session. */
  access?: NodeAccess;
}

export interface JobTransitionArgs {
  sessionId: string;
  jobId: string;
  expectedAttempt: number;
  from: readonly JobState[];
  to: JobState;
  fenceNodeId?: string;
  patch?: Record<string, unknown>;
  /** Appended to `{s}:out` when the call wins (replay on resume): the resolving frame and its kind. */
  out?: { msg: string; kind: string };
  now: number;
}

interface Release {
  poolId: string;
  shard: number;
  member: string;
}

export class JobStore {
  /** Releases waiting for this turn's flush, by shard. */
  private readonly releases = new TurnBatcher<Release, boolean>((_shard, batch) => {
    const { poolId, shard } = batch[0] as Release;
    return reserveReleaseMany(
      this.scripts,
      this.keys.shard(poolId, shard),
      batch.map((r) => r.member),
    );
  });

  constructor(
    private readonly scripts: ScriptRunner,
    private readonly keys: KeySchema,
  ) {}

  selectReserve(a: SelectReserveArgs): Promise<SelectReserveResult> {
    return selectReserve(this.scripts, this.keys.shard(a.poolId, a.shard), {
      now: a.now,
      // Tie-break among equally loaded nodes: different per call so they share the load.
      seed: Math.floor(Math.random() * 2_147_483_647),
      livenessTtlMs: a.livenessTtlMs,
      reservationTtlMs: a.reservationTtlMs,
      sessionId: a.sessionId,
      jobId: a.jobId,
      attempt: a.attempt,
      ...(a.affinityNodeId === undefined ? {} : { affinityNodeId: a.affinityNodeId }),
      exclude: a.exclude,
      ...(a.access?.tenant ? { tenant: a.access.tenant } : {}),
      ...(a.access?.pairingHash ? { pairingHash: a.access.pairingHash } : {}),
    });
  }

  /**
   * Removes one reservation; true if it was still there. Releases of one shard asked for in the same event-loop
   * turn go out as one call: under load results arrive in bursts, and a release is never urgent enough to be
   * worth a round trip of its own.
   */
  release(poolId: string, shard: number, member: string): Promise<boolean> {
    return this.releases.add(`${poolId}\u0000${shard}`, { poolId, shard, member });
  }

  open(sessionId: string, record: JobRecord, now: number): Promise<JobOpenResult> {
    return jobOpen(this.scripts, this.keys.session(sessionId), { record, now });
  }

  /** The first attempt went to `to` instead of the node job-open recorded (`from`). */
  rebind(
    sessionId: string,
    jobId: string,
    from: string,
    to: { nodeId: string; poolId: string; shard: number },
    now: number,
  ): Promise<JobRebindResult> {
    return jobRebind(this.scripts, this.keys.session(sessionId), {
      jobId,
      expectedAttempt: 1,
      expectedNode: from,
      node: to.nodeId,
      pool: to.poolId,
      shard: to.shard,
      now,
    });
  }

  /** What this synchronous burst sends next leaves in one write (select-reserve and job-open side by side). */
  holdWrites(): void {
    this.scripts.holdWrites();
  }

  async transition(a: JobTransitionArgs): Promise<JobTransitionResult> {
    const r = await jobTransition(this.scripts, this.keys.session(a.sessionId), {
      jobId: a.jobId,
      expectedAttempt: a.expectedAttempt,
      from: a.from,
      to: a.to,
      ...(a.fenceNodeId === undefined ? {} : { node: a.fenceNodeId }),
      ...(a.patch === undefined ? {} : { patch: a.patch }),
      ...(a.out === undefined ? {} : { out: a.out }),
      now: a.now,
    });
    if (r.status !== 'WON') return r;
    return {
      status: 'WON',
      record: r.record as JobRecord,
      sessionOwner: r.sessionOwner,
      sessionEpoch: r.sessionEpoch,
      ...(r.outId === undefined ? {} : { outId: r.outId }),
    };
  }
}
