/**
 * Puts one job attempt on a node (DESIGN.md §6 "Dispatch"): candidate shards from the cached index →
 * `select-reserve` on each in turn until one grants a slot (bounded) → `job-open` (first attempt) or the
 * re-dispatch transition (later attempts) → `job_assign` through the router. Two scripts and one route on the
 * happy path. The caller (the session's job tracker) arms the deadline and tells the client.
 */
import type { JobAssign, JobCancel } from '@lingua/protocol';
import type { Router } from '../context.js';
import { candidateShards, type CandidateSource, type LanguageRoute, type ShardRef } from './candidates.js';
import { reservationMember, type JobRecord } from './job-record.js';
import type { JobStore } from './job-store.js';

/** Where an attempt went: enough to reach the node, release its slot and fence its results. */
export interface NodeTarget {
  nodeId: string;
  /** Instance that owns the node's socket. */
  owner: string;
  epoch: number;
  poolId: string;
  shard: number;
}

export interface DispatcherDeps {
  store: JobStore;
  index: CandidateSource & { noteFree(poolId: string, shard: number, free: number): void };
  router: () => Router;
  now: () => number;
  livenessTtlMs: number;
  reservationTtlMs: number;
  /** Shards asked per attempt before giving up (NO_CAPACITY/EMPTY on each). */
  maxShardTries: number;
}

export interface AttemptSpec {
  sessionId: string;
  jobId: string;
  attempt: number;
  route: LanguageRoute;
  affinity?: { nodeId: string; poolId: string; shard: number };
  /** Nodes that must not get this job (they already had it). */
  exclude: readonly string[];
}

export type ReserveOutcome = { ok: true; target: NodeTarget; freeLeft: number } | { ok: false };

export type OpenOutcome =
  | { status: 'dispatched'; target: NodeTarget; delivered: boolean }
  | { status: 'exists'; jobId: string; record: JobRecord | undefined }
  | { status: 'no_node' }
  | { status: 'session_gone' };

export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /** Asks candidate shards in order until one reserves a slot for (job, attempt). */
  async reserve(spec: AttemptSpec): Promise<ReserveOutcome> {
    const affinityShard: ShardRef | undefined = spec.affinity
      ? { poolId: spec.affinity.poolId, shard: spec.affinity.shard }
      : undefined;
    const shards = candidateShards(this.deps.index, spec.route, affinityShard, this.deps.maxShardTries);
    for (const ref of shards) {
      const r = await this.deps.store.selectReserve({
        poolId: ref.poolId,
        shard: ref.shard,
        now: this.deps.now(),
        livenessTtlMs: this.deps.livenessTtlMs,
        reservationTtlMs: this.deps.reservationTtlMs,
        sessionId: spec.sessionId,
        jobId: spec.jobId,
        attempt: spec.attempt,
        affinityNodeId: spec.affinity?.nodeId,
        exclude: spec.exclude,
      });
      if (r.status === 'OK') {
        this.deps.index.noteFree(ref.poolId, ref.shard, r.freeLeft);
        return {
          ok: true,
          freeLeft: r.freeLeft,
          target: { nodeId: r.nodeId, owner: r.owner, epoch: r.epoch, poolId: ref.poolId, shard: ref.shard },
        };
      }
      this.deps.index.noteFree(ref.poolId, ref.shard, 0);
    }
    return { ok: false };
  }

  /** Gives a reservation back (result, cancel, timeout, lost race). Never throws: the entry expires anyway. */
  async release(target: NodeTarget, sessionId: string, jobId: string, attempt: number): Promise<void> {
    try {
      await this.deps.store.release(
        target.poolId,
        target.shard,
        reservationMember({ nodeId: target.nodeId, sessionId, jobId, attempt }),
      );
    } catch {
      // The reservation carries an expiry; select-reserve purges it then.
    }
  }

  /**
   * First attempt of a new job: reserve → job-open → job_assign. `makeRecord` builds the record for the chosen
   * node; `makeAssign` the frame.
   */
  async open(
    spec: AttemptSpec,
    makeRecord: (target: NodeTarget) => JobRecord,
    makeAssign: () => JobAssign,
  ): Promise<OpenOutcome> {
    const reserved = await this.reserve(spec);
    if (!reserved.ok) return { status: 'no_node' };
    const { target } = reserved;
    let opened;
    try {
      opened = await this.deps.store.open(spec.sessionId, makeRecord(target), this.deps.now());
    } catch (err) {
      await this.release(target, spec.sessionId, spec.jobId, spec.attempt);
      throw err;
    }
    if (opened.status !== 'CREATED') {
      await this.release(target, spec.sessionId, spec.jobId, spec.attempt);
      return opened.status === 'EXISTS'
        ? { status: 'exists', jobId: opened.jobId, record: opened.record }
        : { status: 'session_gone' };
    }
    const delivered = await this.send(target, makeAssign());
    return { status: 'dispatched', target, delivered };
  }

  /** Sends a frame to the node that holds an attempt; false when its socket is gone. */
  async send(target: NodeTarget, frame: JobAssign | JobCancel): Promise<boolean> {
    const r = await this.deps
      .router()
      .deliverToNode({ nodeId: target.nodeId, owner: target.owner, epoch: target.epoch }, frame);
    return r === true;
  }
}
