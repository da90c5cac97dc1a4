/**
 * The sessions/jobs side of one gateway process, built once and installed into the GatewayContext seams:
 * `ctx.router` (local router), `ctx.hooks` (lost reservations → retry path), `ctx.jobs` (node job frames,
 * in-flight count for drain). Session sockets find it through `jobServiceOf(ctx)`.
 */
import { randomUUID } from 'node:crypto';
import type {
  GatewayContext,
  JobSide,
  NodeConnectionInfo,
  NodeJobFrame,
  NodeLifecycleHooks,
  ReservationRef,
} from '../context.js';
import { LocalRouter } from '../router/local-router.js';
import type { SessionServices } from '../sessions/session.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionStore } from '../sessions/session-store.js';
import { systemTimers, type Timers } from '../sessions/timers.js';
import { Dispatcher } from './dispatcher.js';
import { JobStore } from './job-store.js';
import { NodeResults } from './results.js';

/** Shards asked per attempt before NO_AVAILABLE_NODE. */
const MAX_SHARD_TRIES = 4;
/** A reservation outlives its attempt's deadline by this much, so only a dead gateway's slots expire by TTL. */
const RESERVATION_SLACK_MS = 10_000;

export class JobService implements JobSide, NodeLifecycleHooks {
  readonly sessions = new SessionRegistry();
  readonly router: LocalRouter;
  readonly store: JobStore;
  readonly sessionStore: SessionStore;
  readonly dispatcher: Dispatcher;
  readonly results: NodeResults;
  readonly sessionServices: SessionServices;

  constructor(
    private readonly ctx: GatewayContext,
    timers: Timers = systemTimers,
  ) {
    const { config, metrics, logger } = ctx;
    this.router = new LocalRouter(ctx.instanceId, ctx.nodes, this.sessions, logger);
    this.store = new JobStore(ctx.scripts, ctx.keys);
    this.sessionStore = new SessionStore(ctx.scripts, ctx.keys);
    // The router is read through ctx on every call so a cross-instance router installed later takes effect.
    const router = () => this.ctx.router;
    this.dispatcher = new Dispatcher({
      store: this.store,
      index: ctx.index,
      router,
      now: () => timers.now(),
      livenessTtlMs: config.nodeLivenessTtlMs,
      reservationTtlMs: config.jobTimeoutMs + RESERVATION_SLACK_MS,
      maxShardTries: MAX_SHARD_TRIES,
    });
    this.results = new NodeResults({
      store: this.store,
      router,
      now: () => Date.now(),
      logger,
      observe: {
        routed: (ms, kind) => metrics.jobs.resultSeconds.observe({ kind }, ms / 1000),
        stale: (type, why) => metrics.jobs.staleFrames.inc({ type, why }),
      },
    });
    this.sessionServices = {
      timers,
      logger,
      settings: {
        pauseMs: config.pauseMs,
        maxUtteranceMs: config.maxUtteranceMs,
        maxAudioBufferBytes: config.maxAudioBufferBytes,
        finalGraceMs: config.finalGraceMs,
        resultGapMs: config.resultGapMs,
      },
      newTurnId: () => `t-${randomUUID()}`,
      jobs: {
        dispatcher: this.dispatcher,
        store: this.store,
        timers,
        jobTimeoutMs: config.jobTimeoutMs,
        maxAttempts: config.jobMaxAttempts,
        newJobId: () => `j-${randomUUID()}`,
        observe: {
          dispatched: (ms, attempt) =>
            metrics.jobs.dispatchSeconds.observe({ attempt: attempt === 1 ? 'first' : 'retry' }, ms / 1000),
          dispatchFailed: (reason) => metrics.jobs.dispatchFailed.inc({ reason }),
          retried: (cause) => metrics.jobs.expired.inc({ cause }),
          dropped: (kind, why) => metrics.jobs.droppedEvents.inc({ kind, why }),
        },
      },
      observe: {
        cut: (trigger) => metrics.sessions.utterances.inc({ trigger }),
        emitted: (res, how) =>
          metrics.sessions.resolutions.inc({ kind: res.kind, reason: res.reason ?? '', how }),
        refused: (outcome) => metrics.sessions.refused.inc({ outcome }),
      },
    };
  }

  onNodeJobFrame(node: NodeConnectionInfo, msg: NodeJobFrame): void {
    this.results.onFrame(node, msg);
  }

  /**
   * A node's registration ended with reservations held: each affected session runs its retry path now rather
   * than at the deadline. The reservations themselves were removed with the registration.
   */
  onReservationsLost(nodeId: string, reservations: ReservationRef[], reason: string): void {
    for (const r of reservations) {
      this.ctx.router
        .deliverToSession(
          { sessionId: r.sessionId },
          {
            kind: 'failed',
            sessionId: r.sessionId,
            jobId: r.jobId,
            attempt: r.attempt,
            nodeId,
            code: 'NODE_UNAVAILABLE',
            message: `node ${nodeId} went away (${reason})`,
            retryable: true,
          },
        )
        .catch((err: unknown) =>
          this.ctx.logger.warn({ err, nodeId, jobId: r.jobId }, 'lost job not routed'),
        );
    }
  }

  inFlight(): number {
    return this.sessions.inFlight();
  }

  onDrain(): void {
    for (const s of this.sessions.values()) s.onDrain();
  }

  /** Process stop: every local session closes its socket as "going away" and stops its timers. */
  stop(): void {
    for (const s of [...this.sessions.values()]) s.shutdown?.();
  }
}

const installed = new WeakMap<GatewayContext, JobService>();

/**
 * Builds the sessions/jobs side and puts it into the context's seams, except those the caller supplies itself
 * (`keep`, e.g. a test's own router). Idempotent per context.
 */
export function installJobService(
  ctx: GatewayContext,
  keep: { router?: unknown; hooks?: unknown; jobs?: unknown } = {},
  timers?: Timers,
): JobService {
  let service = installed.get(ctx);
  if (!service) {
    service = new JobService(ctx, timers);
    installed.set(ctx, service);
    if (keep.router === undefined) ctx.router = service.router;
    if (keep.hooks === undefined) ctx.hooks = service;
    if (keep.jobs === undefined) ctx.jobs = service;
  }
  return service;
}

/** The installed service of a context (installs it if app.ts has not). */
export function jobServiceOf(ctx: GatewayContext): JobService {
  return installed.get(ctx) ?? installJobService(ctx);
}
