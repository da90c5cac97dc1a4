/**
 * The jobs of one session, on the instance that owns the session: dispatch, result and deadline (docs/architecture.md
 * "Flows"). It starts a job per accepted utterance, keeps each open job's deadline, turns node events into
 * resolutions for the session's ordered delivery, and runs the retry path when an attempt times out or its node goes
 * away. Redis decides every race (job-transition compare-and-set); local state is only the open jobs, their timers
 * and the affinity hint.
 *
 * Resolution rule per accepted index (exactly one translation_result or missing_result): the node's result
 * (a node failure is `error <its code>` + `missing_result job_failed`), or `error NO_AVAILABLE_NODE` +
 * `missing_result no_available_node` when no node can take it, or `missing_result job_timeout` (+ ui_event ERROR
 * JOB_TIMEOUT) when attempts run out, or `missing_result node_unavailable` (+ ui_event ERROR NODE_UNAVAILABLE)
 * when the last attempt's node vanished and no other node can take it.
 */
import type { Logger } from 'pino';
import type { SessionOutbound } from '@lingua/protocol';
import type { TimerHandle, Timers } from '../time/timers.js';
import type { LanguageRoute } from './candidates.js';
import type { Dispatcher, NodePlace, NodeTarget } from './dispatcher.js';
import { buildJobAssign, type SessionJobParams, type UtteranceJob } from './job-assign.js';
import type { SessionJobEvent, SessionJobEventKind } from './job-events.js';
import { OPEN_STATES, type JobRecord } from './job-record.js';
import type { JobStore } from './job-store.js';
import {
  errorResolution,
  missingResolution,
  missingWithErrorResolution,
  uiEvent,
  type IndexRef,
  type Resolution,
  type ResolutionKind,
} from './resolution.js';

export interface SessionJobsDeps {
  dispatcher: Dispatcher;
  store: JobStore;
  timers: Timers;
  jobTimeoutMs: number;
  maxAttempts: number;
  newJobId: () => string;
  logger: Logger;
  observe?: JobObserver;
}

/** Metrics hooks (kept out of this module so it stays testable without prom-client). */
export interface JobObserver {
  dispatched?(latencyMs: number, attempt: number): void;
  dispatchFailed?(reason: 'no_node' | 'session_gone' | 'exists' | 'error'): void;
  retried?(cause: ExpireCause): void;
  resolved?(kind: ResolutionKind, reason: string | undefined): void;
  dropped?(event: SessionJobEventKind, why: 'unknown_job' | 'stale_attempt' | 'foreign_node'): void;
}

/** The session this tracker works for. */
export interface SessionJobsHost {
  readonly sessionId: string;
  readonly params: SessionJobParams;
  readonly route: LanguageRoute;
  /** Sends at once, outside utterance order (ui_event DISPATCHED/NODE_ACCEPTED, asr_partial). */
  sendNow(frame: SessionOutbound): void;
  /** Hands the resolution of an accepted index to ordered delivery. */
  resolve(index: number, resolution: Resolution): void;
}

export type ExpireCause = 'timeout' | 'node_lost' | 'undeliverable';

interface TrackedBase {
  readonly jobId: string;
  readonly index: number;
  attempt: number;
  target: NodeTarget;
  tried: string[];
  dispatchedAt: number;
  deadline: TimerHandle | undefined;
  /** A retry or cancel is talking to Redis: events still count, timers do not start another one. */
  busy: boolean;
  acceptedAttempt: number;
  /** The job's node already settled it in Redis; only the event is awaited (give up after one more wait). */
  settledElsewhere: boolean;
}

/** A job this instance dispatched: it holds the utterance, so an expired attempt can go to another node. */
interface LocalJob extends TrackedBase {
  readonly origin: 'local';
  readonly utterance: UtteranceJob;
  readonly route: LanguageRoute;
}

/** A job taken over on resume: its audio stayed with the previous owner, so an expired attempt is not retried. */
interface AdoptedJob extends TrackedBase {
  readonly origin: 'adopted';
}

type TrackedJob = LocalJob | AdoptedJob;

export class SessionJobs {
  private readonly open = new Map<string, TrackedJob>();
  private readonly byIndex = new Map<number, TrackedJob>();
  private starting = 0;
  private closed = false;
  private lastTarget: NodeTarget | undefined;
  private turnTarget: { turnId: string; target: NodeTarget } | undefined;

  constructor(
    private readonly deps: SessionJobsDeps,
    private readonly host: SessionJobsHost,
  ) {}

  /** Jobs started and not yet resolved (including those still being dispatched). */
  get inFlight(): number {
    return this.open.size + this.starting;
  }

  /** The job id of an open index, if any (for resolutions made up by the session, e.g. gaps). */
  jobIdOf(index: number): string | undefined {
    return this.byIndex.get(index)?.jobId;
  }

  /** The index was resolved without its job (gap timeout): cancel the job so its node slot is freed. */
  async abandon(index: number, reason: string): Promise<void> {
    const job = this.byIndex.get(index);
    if (job) await this.cancel(job, reason);
  }

  /**
   * Starts the job of an utterance index the session has accepted. Resolves once the first attempt is out (or
   * the index is resolved because it could not be); never rejects. `cutAt`: `performance.now()` at the cut.
   */
  async start(u: UtteranceJob, cutAt: number): Promise<void> {
    const jobId = this.deps.newJobId();
    const route = routeOf(this.host.route, u);
    const ref = this.ref(u.utteranceIndex, jobId);
    const affinity = this.affinityFor(u.turnId);
    this.starting++;
    let outcome;
    try {
      outcome = await this.deps.dispatcher.open(
        {
          sessionId: this.host.sessionId,
          jobId,
          attempt: 1,
          route,
          exclude: [],
          ...(this.host.params.access ? { access: this.host.params.access } : {}),
          ...(affinity
            ? { affinity: { nodeId: affinity.nodeId, poolId: affinity.poolId, shard: affinity.shard } }
            : {}),
        },
        (target) => this.newRecord(jobId, u, target),
        () => buildJobAssign(this.host.params, u, jobId, 1),
      );
    } catch (err) {
      this.deps.logger.error({ err, jobId, utteranceIndex: u.utteranceIndex }, 'dispatch failed');
      this.deps.observe?.dispatchFailed?.('error');
      this.finish(
        u.utteranceIndex,
        errorResolution(
          ref,
          'SCHEDULER_DEPENDENCY_DOWN',
          'could not dispatch this utterance',
          'dispatch_failed',
          this.deps.timers.now(),
        ),
      );
      return;
    } finally {
      this.starting--;
    }
    switch (outcome.status) {
      case 'no_node':
        this.deps.observe?.dispatchFailed?.('no_node');
        this.finish(
          u.utteranceIndex,
          errorResolution(
            ref,
            'NO_AVAILABLE_NODE',
            `no node available for ${describeRoute(route)}`,
            'no_available_node',
            this.deps.timers.now(),
          ),
        );
        return;
      case 'session_gone':
        this.deps.observe?.dispatchFailed?.('session_gone');
        this.finish(
          u.utteranceIndex,
          errorResolution(
            ref,
            'SESSION_CLOSED',
            'the session no longer exists',
            'session_gone',
            this.deps.timers.now(),
          ),
        );
        return;
      case 'exists':
        // Only a resumed or replayed index can get here (local duplicates never reach dispatch): the other job
        // owns the index, this one is not tracked, so the index resolves here, once.
        this.deps.observe?.dispatchFailed?.('exists');
        this.finish(u.utteranceIndex, missingResolution(ref, 'duplicate_utterance', this.deps.timers.now()));
        return;
      case 'dispatched':
        break;
    }
    const now = this.deps.timers.now();
    const job: LocalJob = {
      origin: 'local',
      jobId,
      index: u.utteranceIndex,
      utterance: u,
      route,
      attempt: 1,
      target: outcome.target,
      tried: [outcome.target.nodeId],
      dispatchedAt: now,
      deadline: undefined,
      busy: false,
      acceptedAttempt: 0,
      settledElsewhere: false,
    };
    this.open.set(jobId, job);
    this.byIndex.set(job.index, job);
    this.deps.observe?.dispatched?.(performance.now() - cutAt, 1);
    this.noteAffinity(u.turnId, outcome.target);
    if (this.closed) {
      await this.cancel(job, 'session closed');
      return;
    }
    this.armDeadline(job, this.deps.jobTimeoutMs);
    this.host.sendNow(uiEvent(this.ref(job.index, jobId), 'DISPATCHED'));
    if (!outcome.delivered) await this.expire(job, 'undeliverable');
  }

  /** A job event routed to this session (from the node side, possibly another instance). */
  onEvent(event: SessionJobEvent): void {
    const job = this.open.get(event.jobId);
    if (!job) {
      this.deps.observe?.dropped?.(event.kind, 'unknown_job');
      return;
    }
    switch (event.kind) {
      case 'partial':
        if (event.nodeId !== undefined && event.nodeId !== job.target.nodeId) {
          this.deps.observe?.dropped?.(event.kind, 'foreign_node');
          return;
        }
        this.host.sendNow(event.frame);
        return;
      case 'accepted':
        if (event.attempt !== job.attempt || job.acceptedAttempt === job.attempt) return;
        job.acceptedAttempt = job.attempt;
        this.host.sendNow(
          uiEvent(this.ref(job.index, job.jobId), 'NODE_ACCEPTED', {
            elapsedMs: this.deps.timers.now() - job.dispatchedAt,
          }),
        );
        return;
      case 'result':
        if (event.attempt !== job.attempt) {
          this.deps.observe?.dropped?.(event.kind, 'stale_attempt');
          return;
        }
        this.untrack(job);
        this.finish(job.index, event.resolution);
        return;
      case 'failed':
        if (event.attempt !== job.attempt) {
          this.deps.observe?.dropped?.(event.kind, 'stale_attempt');
          return;
        }
        if (event.retryable) {
          void this.expire(job, 'node_lost');
          return;
        }
        this.untrack(job);
        this.finish(
          job.index,
          errorResolution(
            this.ref(job.index, job.jobId),
            event.code,
            event.message,
            'job_failed',
            this.deps.timers.now(),
          ),
        );
        return;
    }
  }

  /**
   * Resume (sessions/resume.ts): a job another instance dispatched for this session, still at its node, is
   * tracked here from now on — its result routes here, its deadline runs here (from its recorded deadline).
   */
  adopt(record: JobRecord, target: NodeTarget): void {
    if (this.open.has(record.id) || this.byIndex.has(record.idx)) return;
    const now = this.deps.timers.now();
    const job: AdoptedJob = {
      origin: 'adopted',
      jobId: record.id,
      index: record.idx,
      attempt: record.attempt,
      target,
      tried: [...record.tried],
      dispatchedAt: typeof record.dispatched_at === 'number' ? record.dispatched_at : now,
      deadline: undefined,
      busy: false,
      acceptedAttempt: record.state === 'ACCEPTED' ? record.attempt : 0,
      settledElsewhere: false,
    };
    this.open.set(job.jobId, job);
    this.byIndex.set(job.index, job);
    this.armDeadline(job, Math.max(0, record.deadline_at - now));
  }

  /**
   * The session moved to another instance (resume): stop tracking every job without touching it — the new
   * owner adopted them and their results route there.
   */
  forget(): void {
    this.closed = true;
    for (const job of [...this.open.values()]) this.untrack(job);
  }

  /** The session ends: every open job is cancelled (fenced), its slot released and its node told. */
  async cancelAll(reason: string): Promise<void> {
    this.closed = true;
    await Promise.all([...this.open.values()].map((job) => this.cancel(job, reason)));
  }

  private async cancel(job: TrackedJob, reason: string): Promise<void> {
    this.untrack(job);
    try {
      const t = await this.deps.store.transition({
        sessionId: this.host.sessionId,
        jobId: job.jobId,
        expectedAttempt: job.attempt,
        from: OPEN_STATES,
        to: 'CANCELLED',
        now: this.deps.timers.now(),
      });
      if (t.status !== 'WON') return;
      await Promise.all([
        this.deps.dispatcher.release(job.target, this.host.sessionId, job.jobId, job.attempt),
        this.deps.dispatcher.send(job.target, {
          type: 'job_cancel',
          job_id: job.jobId,
          trace_id: this.host.params.traceId,
          reason,
        }),
      ]);
    } catch (err) {
      this.deps.logger.warn({ err, jobId: job.jobId }, 'job cancel failed; its reservation will expire');
    }
  }

  /**
   * The current attempt is over without a result (deadline, node gone, not deliverable). If Redis agrees (the
   * transition wins), the slot is released, the node told to stop (timeout), and the job goes to a node that
   * never had it while attempts remain; otherwise the index resolves as missing.
   */
  private async expire(job: TrackedJob, cause: ExpireCause): Promise<void> {
    if (job.busy || this.open.get(job.jobId) !== job) return;
    this.clearDeadline(job);
    if (job.settledElsewhere) {
      // The node settled this attempt in Redis but its event never came: resolve rather than wait forever.
      this.untrack(job);
      this.finish(job.index, this.exhausted(job, cause));
      return;
    }
    job.busy = true;
    const failedState = cause === 'timeout' ? 'TIMED_OUT' : 'FAILED';
    try {
      const t = await this.deps.store.transition({
        sessionId: this.host.sessionId,
        jobId: job.jobId,
        expectedAttempt: job.attempt,
        from: OPEN_STATES,
        to: failedState,
        patch: { end_reason: cause },
        now: this.deps.timers.now(),
      });
      if (t.status !== 'WON') {
        // A result settled the attempt first; its event is on the way. Wait a little more for it.
        job.busy = false;
        job.settledElsewhere = true;
        if (this.open.get(job.jobId) === job) this.armDeadline(job, Math.min(this.deps.jobTimeoutMs, 5_000));
        return;
      }
      this.deps.observe?.retried?.(cause);
      const old = job.target;
      const oldAttempt = job.attempt;
      const side: Promise<unknown>[] = [];
      // A lost node's reservations were removed with its registration; others are released here.
      if (cause !== 'node_lost')
        side.push(this.deps.dispatcher.release(old, this.host.sessionId, job.jobId, oldAttempt));
      if (cause === 'timeout') {
        side.push(
          this.deps.dispatcher.send(old, {
            type: 'job_cancel',
            job_id: job.jobId,
            trace_id: this.host.params.traceId,
            reason: 'timeout',
          }),
        );
      }
      await Promise.all(side);
      if (this.closed || oldAttempt >= this.deps.maxAttempts || job.origin === 'adopted') {
        this.untrack(job);
        if (!this.closed) this.finish(job.index, this.exhausted(job, cause));
        return;
      }
      await this.redispatch(job, failedState, cause);
    } catch (err) {
      this.deps.logger.error({ err, jobId: job.jobId }, 'retry path failed');
      this.untrack(job);
      this.finish(job.index, this.exhausted(job, cause));
    } finally {
      job.busy = false;
    }
  }

  private async redispatch(
    job: LocalJob,
    fromState: 'TIMED_OUT' | 'FAILED',
    cause: ExpireCause,
  ): Promise<void> {
    const attempt = job.attempt + 1;
    const reserved = await this.deps.dispatcher.reserve({
      sessionId: this.host.sessionId,
      jobId: job.jobId,
      attempt,
      route: job.route,
      exclude: job.tried,
      ...(this.host.params.access ? { access: this.host.params.access } : {}),
    });
    if (!reserved.ok) {
      this.untrack(job);
      this.finish(job.index, this.exhausted(job, cause));
      return;
    }
    const target = reserved.target;
    const now = this.deps.timers.now();
    const t = await this.deps.store.transition({
      sessionId: this.host.sessionId,
      jobId: job.jobId,
      expectedAttempt: job.attempt,
      from: [fromState],
      to: 'DISPATCHED',
      patch: {
        node: target.nodeId,
        pool: target.poolId,
        shard: target.shard,
        tried: [...job.tried, target.nodeId],
        dispatched_at: now,
        deadline_at: now + this.deps.jobTimeoutMs,
      },
      now,
    });
    if (t.status !== 'WON' || this.open.get(job.jobId) !== job) {
      await this.deps.dispatcher.release(target, this.host.sessionId, job.jobId, attempt);
      if (this.open.get(job.jobId) === job) {
        this.untrack(job);
        this.finish(job.index, this.exhausted(job, cause));
      }
      return;
    }
    job.attempt = attempt;
    job.target = target;
    job.tried = [...job.tried, target.nodeId];
    job.dispatchedAt = now;
    this.noteAffinity(job.utterance.turnId, target);
    const sendStarted = performance.now();
    const delivered = await this.deps.dispatcher.send(
      target,
      buildJobAssign(this.host.params, job.utterance, job.jobId, attempt),
    );
    this.deps.observe?.dispatched?.(performance.now() - sendStarted, attempt);
    this.armDeadline(job, this.deps.jobTimeoutMs);
    this.host.sendNow(uiEvent(this.ref(job.index, job.jobId), 'DISPATCHED'));
    if (!delivered) {
      job.busy = false;
      await this.expire(job, 'undeliverable');
    }
  }

  private exhausted(job: TrackedJob, cause: ExpireCause): Resolution {
    const ref = this.ref(job.index, job.jobId);
    const now = this.deps.timers.now();
    return cause === 'timeout'
      ? missingWithErrorResolution(ref, 'job_timeout', 'JOB_TIMEOUT', now)
      : missingWithErrorResolution(ref, 'node_unavailable', 'NODE_UNAVAILABLE', now);
  }

  private finish(index: number, resolution: Resolution): void {
    this.deps.observe?.resolved?.(resolution.kind, resolution.reason);
    this.host.resolve(index, resolution);
  }

  private untrack(job: TrackedJob): void {
    this.clearDeadline(job);
    if (this.open.get(job.jobId) === job) this.open.delete(job.jobId);
    if (this.byIndex.get(job.index) === job) this.byIndex.delete(job.index);
  }

  private armDeadline(job: TrackedJob, ms: number): void {
    this.clearDeadline(job);
    job.deadline = this.deps.timers.setTimeout(() => {
      job.deadline = undefined;
      void this.expire(job, 'timeout');
    }, ms);
  }

  private clearDeadline(job: TrackedJob): void {
    if (job.deadline !== undefined) this.deps.timers.clearTimeout(job.deadline);
    job.deadline = undefined;
  }

  private affinityFor(turnId: string | undefined): NodeTarget | undefined {
    if (turnId !== undefined && this.turnTarget?.turnId === turnId) return this.turnTarget.target;
    return this.lastTarget;
  }

  private noteAffinity(turnId: string | undefined, target: NodeTarget): void {
    this.lastTarget = target;
    if (turnId !== undefined) this.turnTarget = { turnId, target };
  }

  private newRecord(jobId: string, u: UtteranceJob, target: NodePlace): JobRecord {
    const now = this.deps.timers.now();
    return {
      id: jobId,
      idx: u.utteranceIndex,
      tgt: u.tgtLang ?? this.host.params.tgtLang,
      state: 'DISPATCHED',
      attempt: 1,
      node: target.nodeId,
      pool: target.poolId,
      shard: target.shard,
      tried: [target.nodeId],
      created_at: now,
      updated_at: now,
      dispatched_at: now,
      deadline_at: now + this.deps.jobTimeoutMs,
      trace: this.host.params.traceId,
    };
  }

  private ref(index: number, jobId: string): IndexRef {
    return {
      sessionId: this.host.sessionId,
      utteranceIndex: index,
      jobId,
      traceId: this.host.params.traceId,
    };
  }
}

function routeOf(base: LanguageRoute, u: UtteranceJob): LanguageRoute {
  if (u.srcLang === undefined && u.tgtLang === undefined) return base;
  return { ...base, srcLang: u.srcLang ?? base.srcLang, tgtLang: u.tgtLang ?? base.tgtLang };
}

function describeRoute(r: LanguageRoute): string {
  return r.mode === 'two_way_auto' ? `${r.langA ?? '?'}<->${r.langB ?? '?'}` : `${r.srcLang}->${r.tgtLang}`;
}
