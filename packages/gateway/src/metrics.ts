/**
 * Every metric the gateway exports, declared in one place. Each gateway owns its own registry (several can run
 * in one test process); `/metrics` serves it together with prom-client's default process metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Handling latency buckets in seconds: fine below 1 ms because the targets are "heartbeat handling p99 ≤ 1 ms"
 * and "register p99 ≤ 5 ms"; the bench interpolates quantiles from these.
 */
export const FAST_BUCKETS_S = [
  0.00005, 0.0001, 0.0002, 0.0003, 0.0004, 0.0005, 0.0006, 0.0008, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005,
  0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

export type Endpoint = 'node' | 'session';
const ENDPOINTS: readonly Endpoint[] = ['node', 'session'];

/** Every reason an upgrade is refused for (`lingua_ws_upgrades_rejected_total`), exported at 0 from the start. */
export const UPGRADE_REJECTIONS = [
  'not_ready',
  'draining',
  'unknown_path',
  'origin_forbidden',
  'too_many_connections',
  'unauthorized',
  'forbidden',
  'auth_timeout',
  'auth_error',
] as const;
export type UpgradeRejection = (typeof UPGRADE_REJECTIONS)[number];

/** State read at scrape time (gauge `collect`), bound by the composition root once the parts exist. */
export interface MetricSources {
  /** The same answer as `/readyz`. */
  ready(): boolean;
  /** Ready nodes of each pool in the index, as last observed by the periodic shard read (never per heartbeat). */
  poolReadyNodes(): Iterable<{ pool: string; languages: string; ready: number }>;
  /** Inbox self-probes that did not come back in time, since start (the inbox counts them). */
  inboxProbesMissed(): number;
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  let sources: MetricSources | undefined;

  const health = {
    ready: new Gauge({
      name: 'lingua_ready',
      help: '1 while /readyz answers 200 (preload done, not draining), else 0',
      registers: r,
      collect() {
        this.set(sources?.ready() ? 1 : 0);
      },
    }),
    poolReadyNodes: new Gauge({
      name: 'lingua_pool_ready_nodes',
      help: 'Ready nodes per pool of the language index (refreshed every LINGUA_SWEEP_INTERVAL_MS; same on every instance)',
      labelNames: ['pool', 'languages'] as const,
      registers: r,
      collect() {
        this.reset();
        for (const p of sources?.poolReadyNodes() ?? []) {
          this.set({ pool: p.pool, languages: p.languages }, p.ready);
        }
      },
    }),
  };

  const inboxProbesMissed = new Counter({
    name: 'lingua_inbox_probes_missed_total',
    help: 'Inbox self-probes that did not come back in time (each one resubscribes and replays from the log)',
    registers: r,
    collect() {
      // Mirrors the inbox's own monotonic count at scrape time (it resets with the process, as a counter does).
      this.reset();
      this.inc(sources?.inboxProbesMissed() ?? 0);
    },
  });

  const eventLoopLag = new Histogram({
    name: 'lingua_event_loop_lag_seconds',
    help: 'How late a timer due every 20 ms fires: event-loop stalls that every socket handling time includes',
    buckets: [0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: r,
  });

  const redis = {
    errors: new Counter({
      name: 'lingua_redis_errors_total',
      help: 'Redis failures seen by this instance, by op (connection error events, script_reload, index_reload)',
      labelNames: ['op'] as const,
      registers: r,
    }),
  };
  // Present from the start, so rate() over it is 0 rather than absent on a healthy instance.
  redis.errors.inc({ op: 'connection' }, 0);
  const redisScripts = new Histogram({
    name: 'lingua_redis_script_duration_seconds',
    help: 'Lua script calls by script (lua/<script>.lua) and outcome (ok, noscript = answered by EVAL after a cache miss, error): round trip from this instance',
    labelNames: ['script', 'outcome'] as const,
    buckets: FAST_BUCKETS_S,
    registers: r,
  });

  const nodes = {
    registrations: new Counter({
      name: 'lingua_node_registrations_total',
      help: 'node_register frames handled, by outcome (ok, takeover, or the error code)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    registerSeconds: new Histogram({
      name: 'lingua_node_register_duration_seconds',
      help: 'Gateway-side handling time of node_register, from frame receipt to ack sent',
      buckets: FAST_BUCKETS_S,
      registers: r,
    }),
    heartbeats: new Counter({
      name: 'lingua_node_heartbeats_total',
      help: 'node_heartbeat frames handled, by outcome (ok, stale, gone, move, refused = over the language limit, error)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    heartbeatSeconds: new Histogram({
      name: 'lingua_node_heartbeat_duration_seconds',
      help: 'Gateway-side handling time of node_heartbeat (one node-heartbeat script), from frame receipt to done',
      buckets: FAST_BUCKETS_S,
      registers: r,
    }),
    byStatus: new Gauge({
      name: 'lingua_nodes',
      help: 'Node sockets registered on this instance, by status',
      labelNames: ['status'] as const,
      registers: r,
    }),
    offline: new Counter({
      name: 'lingua_node_offline_total',
      help: 'Node registrations ended, by reason (close, fenced, expired, drain)',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    moves: new Counter({
      name: 'lingua_node_pool_moves_total',
      help: 'Nodes moved to another pool because their capability, region or tier changed',
      registers: r,
    }),
    sweepRemoved: new Counter({
      name: 'lingua_node_sweep_removed_total',
      help: 'Silent nodes removed by the periodic sweep',
      registers: r,
    }),
  };

  const ws = {
    connections: new Gauge({
      name: 'lingua_ws_connections',
      help: 'Open WebSocket connections, by endpoint',
      labelNames: ['endpoint'] as const,
      registers: r,
    }),
    accepted: new Counter({
      name: 'lingua_ws_connections_total',
      help: 'WebSocket connections accepted, by endpoint',
      labelNames: ['endpoint'] as const,
      registers: r,
    }),
    deadPeers: new Counter({
      name: 'lingua_ws_dead_peers_total',
      help: 'Sockets terminated after missing consecutive pongs, by endpoint',
      labelNames: ['endpoint'] as const,
      registers: r,
    }),
    rejectedUpgrades: new Counter({
      name: 'lingua_ws_upgrades_rejected_total',
      help: 'WebSocket upgrades refused, by reason (not_ready, draining, unknown_path, origin_forbidden, too_many_connections, unauthorized, forbidden, auth_timeout, auth_error)',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    refusedFrames: new Counter({
      name: 'lingua_ws_frames_refused_total',
      help: 'Inbound frames dropped before decoding, by endpoint and reason (frame_rate, byte_rate, binary)',
      labelNames: ['endpoint', 'reason'] as const,
      registers: r,
    }),
    closedByGateway: new Counter({
      name: 'lingua_ws_closed_by_gateway_total',
      help: 'Sockets the gateway closed because of a socket limit, by endpoint and reason (init_timeout)',
      labelNames: ['endpoint', 'reason'] as const,
      registers: r,
    }),
  };
  for (const reason of UPGRADE_REJECTIONS) ws.rejectedUpgrades.inc({ reason }, 0);
  for (const endpoint of ENDPOINTS) {
    for (const reason of ['frame_rate', 'byte_rate', 'binary']) ws.refusedFrames.inc({ endpoint, reason }, 0);
    ws.closedByGateway.inc({ endpoint, reason: 'init_timeout' }, 0);
  }

  const errors = new Counter({
    name: 'lingua_errors_total',
    help: 'error frames sent to sockets, by endpoint and code',
    labelNames: ['endpoint', 'code'] as const,
    registers: r,
  });

  const index = {
    version: new Gauge({
      name: 'lingua_index_version',
      help: 'Language index version held by this instance',
      registers: r,
    }),
    reloads: new Counter({
      name: 'lingua_index_reloads_total',
      help: 'Full index reloads, by reason (start, gap, resubscribe)',
      labelNames: ['reason'] as const,
      registers: r,
    }),
  };

  // ---- Sessions & jobs.
  const sessions = {
    active: new Gauge({
      name: 'lingua_sessions',
      help: 'Sessions live on this instance',
      registers: r,
    }),
    opened: new Counter({
      name: 'lingua_sessions_total',
      help: 'session_init frames handled, by outcome (ok, or the error code; RATE_LIMITED = LINGUA_MAX_SESSIONS_PER_SUBJECT)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    utterances: new Counter({
      name: 'lingua_utterances_total',
      help: 'Utterances cut from session audio, by trigger (manual, pause, max_duration, buffer_full)',
      labelNames: ['trigger'] as const,
      registers: r,
    }),
    resolutions: new Counter({
      name: 'lingua_resolutions_total',
      help: 'Utterance indexes resolved to the client, by kind (translation, missing, error), reason and how (resolved, gap, drain)',
      labelNames: ['kind', 'reason', 'how'] as const,
      registers: r,
    }),
    refused: new Counter({
      name: 'lingua_resolutions_refused_total',
      help: 'Resolutions dropped by ordered delivery, by outcome (late, duplicate, unknown)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
  };
  sessions.opened.inc({ outcome: 'RATE_LIMITED' }, 0);
  const jobs = {
    dispatchSeconds: new Histogram({
      name: 'lingua_job_dispatch_duration_seconds',
      help: 'Utterance cut (after hangover) → job_assign handed to the node socket, by attempt kind (first, retry)',
      labelNames: ['attempt'] as const,
      buckets: FAST_BUCKETS_S,
      registers: r,
    }),
    dispatchFailed: new Counter({
      name: 'lingua_job_dispatch_failures_total',
      help: 'First attempts that did not reach a node, by reason (no_node, session_gone, exists, error)',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    expired: new Counter({
      name: 'lingua_job_attempts_expired_total',
      help: 'Attempts ended without a result, by cause (timeout, node_lost, undeliverable)',
      labelNames: ['cause'] as const,
      registers: r,
    }),
    resultSeconds: new Histogram({
      name: 'lingua_job_result_duration_seconds',
      help: 'job_result read → handed to the session owner (job-transition + route), by resolution kind',
      labelNames: ['kind'] as const,
      buckets: FAST_BUCKETS_S,
      registers: r,
    }),
    staleFrames: new Counter({
      name: 'lingua_job_frames_stale_total',
      help: 'Node job frames that lost their fence and changed nothing, by type and why',
      labelNames: ['type', 'why'] as const,
      registers: r,
    }),
    droppedEvents: new Counter({
      name: 'lingua_job_events_dropped_total',
      help: 'Job events a session ignored, by kind and why (unknown_job, stale_attempt, foreign_node)',
      labelNames: ['kind', 'why'] as const,
      registers: r,
    }),
  };
  // ---- end of the sessions & jobs section.

  // ---- Cluster: cross-instance routing, inbox, takeover.
  const cluster = {
    envelopes: new Counter({
      name: 'lingua_cluster_envelopes_total',
      help: 'Inbox envelopes between instances, by direction (sent, received) and type (node, session, assign_bounced, session_bounced, fence)',
      labelNames: ['direction', 'type'] as const,
      registers: r,
    }),
    undeliverable: new Counter({
      name: 'lingua_cluster_undeliverable_total',
      help: 'Messages the router could not hand to a socket and dropped (bounced where the sender can act), by why',
      labelNames: ['why'] as const,
      registers: r,
    }),
    takeovers: new Counter({
      name: 'lingua_cluster_takeovers_total',
      help: 'Takeover jobs of dead instances run here, by outcome (done, alive, self)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    inboxLag: new Gauge({
      name: 'lingua_inbox_probe_lag_seconds',
      help: 'Round trip of the last inbox liveness probe (publish to receipt on this instance)',
      registers: r,
    }),
    inboxReplayed: new Gauge({
      name: 'lingua_inbox_replayed',
      help: 'Inbox messages delivered from the replay log instead of pub/sub since start',
      registers: r,
    }),
    inboxResubscribes: new Gauge({
      name: 'lingua_inbox_resubscribes',
      help: 'Inbox resubscribes after a missed probe since start',
      registers: r,
    }),
  };

  return {
    registry,
    health,
    eventLoopLag,
    redis: { ...redis, scripts: redisScripts },
    inboxProbesMissed,
    nodes,
    ws,
    errors,
    index,
    sessions,
    jobs,
    cluster,
    /** Connects the scrape-time gauges to their sources (once, from the composition root). */
    bind(s: MetricSources): void {
      sources = s;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
