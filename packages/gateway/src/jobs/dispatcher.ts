/**
 * Puts one job attempt on a node (docs/architecture.md "An utterance is dispatched"): candidate shards from the
 * cached index → `select-reserve` on each in turn until one grants a slot (bounded) → `job-open` (first attempt) or
 * the re-dispatch transition (later attempts) → `job_assign` through the router. Two scripts and one route on the
 * happy path; with an affinity node the two scripts run side by side (`open`). The caller (the session's job tracker)
 * arms the deadline and tells the client.
 */
import type { JobAssign, JobCancel } from '@lingua/protocol';
import type { Router } from '../router/router.js';
import { candidateShards, type CandidateSource, type LanguageRoute, type ShardRef } from './candidates.js';
import { reservationMember, type JobRecord } from './job-record.js';
import type { JobOpenResult, JobStore } from './job-store.js';
import type { NodeAccess } from './node-access.js';

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
  router: Pick<Router, 'deliverToNode'>;
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
  /** Which private nodes may take it (public nodes always may). */
  access?: NodeAccess;
}

/** Where a job is recorded to run: a node and its pool shard. */
export type NodePlace = Pick<NodeTarget, 'nodeId' | 'poolId' | 'shard'>;

export type ReserveOutcome = { ok: true; target: NodeTarget; freeLeft: number } | { ok: false };

export type OpenOutcome =
  | { status: 'dispatched'; target: NodeTarget; delivered: boolean }
  | { status: 'exists'; jobId: string; record: JobRecord | undefined }
  | { status: 'no_node' }
  | { status: 'session_gone' };

export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /** Asks candidate shards in order until one reserves a slot for (job, attempt). */
  reserve(spec: AttemptSpec): Promise<ReserveOutcome> {
    return this.reserveOn(spec, this.shardsFor(spec));
  }

  private shardsFor(spec: AttemptSpec): ShardRef[] {
    const affinityShard: ShardRef | undefined = spec.affinity
      ? { poolId: spec.affinity.poolId, shard: spec.affinity.shard }
      : undefined;
    return candidateShards(this.deps.index, spec.route, affinityShard, this.deps.maxShardTries);
  }

  private async reserveOn(spec: AttemptSpec, shards: readonly ShardRef[]): Promise<ReserveOutcome> {
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
        ...(spec.access ? { access: spec.access } : {}),
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
   * First attempt of a new job: a slot on a node, the job recorded on that node, then job_assign. `makeRecord`
   * builds the record for a node; `makeAssign` the frame.
   *
   * With an affinity node whose shard serves the route (every utterance of a session after its first), job-open
   * records that node while select-reserve asks its shard: both scripts leave in one write and take one round
   * trip instead of two in a row. The slot usually lands there. When it lands on another node (the preferred one
   * was full or gone), job-rebind moves the record before job_assign goes out, since results are fenced on the
   * record's node; when the shard has no slot, the other candidates are asked in turn, as without affinity.
   */
  async open(
    spec: AttemptSpec,
    makeRecord: (place: NodePlace) => JobRecord,
    makeAssign: () => JobAssign,
  ): Promise<OpenOutcome> {
    const shards = this.shardsFor(spec);
    const proposed = spec.affinity;
    const first = shards[0];
    if (!proposed || !first || first.poolId !== proposed.poolId || first.shard !== proposed.shard) {
      return this.openInTurn(spec, shards, makeRecord, makeAssign);
    }
    this.deps.store.holdWrites();
    const [reservedR, openedR] = await Promise.allSettled([
      this.reserveOn(spec, [first]),
      this.deps.store.open(spec.sessionId, makeRecord(proposed), this.deps.now()),
    ]);
    const releaseFirst = async (): Promise<void> => {
      if (reservedR.status === 'fulfilled' && reservedR.value.ok)
        await this.release(reservedR.value.target, spec.sessionId, spec.jobId, spec.attempt);
    };
    if (openedR.status === 'rejected') {
      await releaseFirst();
      throw openedR.reason;
    }
    const opened = openedR.value;
    if (opened.status !== 'CREATED') {
      await releaseFirst();
      return notCreated(opened);
    }
    // From here the job is recorded on the proposed node: every way out either binds it or closes it.
    let reserved: ReserveOutcome;
    try {
      if (reservedR.status === 'rejected') throw reservedR.reason;
      reserved = reservedR.value.ok ? reservedR.value : await this.reserveOn(spec, shards.slice(1));
    } catch (err) {
      await this.abandon(spec, proposed.nodeId);
      throw err;
    }
    if (!reserved.ok) {
      await this.abandon(spec, proposed.nodeId);
      return { status: 'no_node' };
    }
    const { target } = reserved;
    if (!samePlace(target, proposed)) {
      let moved;
      try {
        moved = await this.deps.store.rebind(
          spec.sessionId,
          spec.jobId,
          proposed.nodeId,
          target,
          this.deps.now(),
        );
      } catch (err) {
        await this.release(target, spec.sessionId, spec.jobId, spec.attempt);
        await this.abandon(spec, proposed.nodeId);
        throw err;
      }
      if (moved.status !== 'OK') {
        // Closed or taken over while the slot was being found: the job is no longer this call's to send.
        await this.release(target, spec.sessionId, spec.jobId, spec.attempt);
        return { status: 'session_gone' };
      }
    }
    const delivered = await this.send(target, makeAssign());
    return { status: 'dispatched', target, delivered };
  }

  /** Without a usable affinity: reserve, then job-open on the node reserved. */
  private async openInTurn(
    spec: AttemptSpec,
    shards: readonly ShardRef[],
    makeRecord: (place: NodePlace) => JobRecord,
    makeAssign: () => JobAssign,
  ): Promise<OpenOutcome> {
    const reserved = await this.reserveOn(spec, shards);
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
      return notCreated(opened);
    }
    const delivered = await this.send(target, makeAssign());
    return { status: 'dispatched', target, delivered };
  }

  /**
   * Closes a record job-open made on a proposed node that never got the job, so a resume or takeover does not
   * adopt it and wait for a result. Never throws: a record left behind times out like any lost attempt.
   */
  private async abandon(spec: AttemptSpec, nodeId: string): Promise<void> {
    try {
      await this.deps.store.transition({
        sessionId: spec.sessionId,
        jobId: spec.jobId,
        expectedAttempt: spec.attempt,
        from: ['DISPATCHED'],
        to: 'CANCELLED',
        fenceNodeId: nodeId,
        now: this.deps.now(),
      });
    } catch {
      // Redis is failing already; the caller reports the dispatch failure.
    }
  }

  /** Sends a frame to the node that holds an attempt; false when its socket is gone. */
  async send(target: NodeTarget, frame: JobAssign | JobCancel): Promise<boolean> {
    const r = await this.deps.router.deliverToNode(
      { nodeId: target.nodeId, owner: target.owner, epoch: target.epoch },
      frame,
    );
    return r === true;
  }
}

function samePlace(a: NodePlace, b: NodePlace): boolean {
  return a.nodeId === b.nodeId && a.poolId === b.poolId && a.shard === b.shard;
}

function notCreated(opened: Exclude<JobOpenResult, { status: 'CREATED' }>): OpenOutcome {
  return opened.status === 'EXISTS'
    ? { status: 'exists', jobId: opened.jobId, record: opened.record }
    : { status: 'session_gone' };
}
