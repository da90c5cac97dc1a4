/**
 * The job side of one gateway process: the dispatcher (a slot on a node, the job recorded, job_assign out), the
 * node side's result handling (fenced transitions, routed to the session's owner), and the fail-over of jobs whose
 * node went away. Sessions use it through `forSessions`; it never calls into sessions itself — everything it has
 * to say to a session travels as a `SessionJobEvent` through the router.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { NodeConnectionInfo, NodeJobFrame, NodeJobSide } from '../nodes/node-socket.js';
import type { Router } from '../router/router.js';
import type { Timers } from '../time/timers.js';
import { Dispatcher, type DispatcherDeps } from './dispatcher.js';
import type { ReservationRef } from './job-events.js';
import type { JobStore } from './job-store.js';
import { NodeResults } from './results.js';
import type { SessionJobsDeps } from './session-jobs.js';

/** Shards asked per attempt before NO_AVAILABLE_NODE. */
const MAX_SHARD_TRIES = 4;
/** A reservation outlives its attempt's deadline by this much, so only a dead gateway's slots expire by TTL. */
const RESERVATION_SLACK_MS = 10_000;

export interface JobSettings {
  jobTimeoutMs: number;
  jobMaxAttempts: number;
  nodeLivenessTtlMs: number;
}

export interface JobServiceDeps {
  store: JobStore;
  index: DispatcherDeps['index'];
  router: Router;
  timers: Timers;
  settings: JobSettings;
  logger: Logger;
  metrics: Pick<Metrics, 'jobs'>;
}

export class JobService implements NodeJobSide {
  readonly dispatcher: Dispatcher;
  readonly results: NodeResults;
  /** What each session's job tracker needs (its logger is the session's own). */
  readonly forSessions: Omit<SessionJobsDeps, 'logger'>;

  constructor(private readonly deps: JobServiceDeps) {
    const { settings, metrics, timers, router } = deps;
    this.dispatcher = new Dispatcher({
      store: deps.store,
      index: deps.index,
      router,
      now: () => timers.now(),
      livenessTtlMs: settings.nodeLivenessTtlMs,
      reservationTtlMs: settings.jobTimeoutMs + RESERVATION_SLACK_MS,
      maxShardTries: MAX_SHARD_TRIES,
    });
    this.results = new NodeResults({
      store: deps.store,
      router,
      now: () => Date.now(),
      logger: deps.logger,
      observe: {
        routed: (ms, kind) => metrics.jobs.resultSeconds.observe({ kind }, ms / 1000),
        stale: (type, why) => metrics.jobs.staleFrames.inc({ type, why }),
      },
    });
    this.forSessions = {
      dispatcher: this.dispatcher,
      store: deps.store,
      timers,
      jobTimeoutMs: settings.jobTimeoutMs,
      maxAttempts: settings.jobMaxAttempts,
      newJobId: () => `j-${randomUUID()}`,
      observe: {
        dispatched: (ms, attempt) =>
          metrics.jobs.dispatchSeconds.observe({ attempt: attempt === 1 ? 'first' : 'retry' }, ms / 1000),
        dispatchFailed: (reason) => metrics.jobs.dispatchFailed.inc({ reason }),
        retried: (cause) => metrics.jobs.expired.inc({ cause }),
        dropped: (kind, why) => metrics.jobs.droppedEvents.inc({ kind, why }),
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
      this.deps.router
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
          this.deps.logger.warn({ err, nodeId, jobId: r.jobId }, 'lost job not routed'),
        );
    }
  }
}
