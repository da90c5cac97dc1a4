/**
 * The composition root: every part of one gateway process is built here, once, in dependency order —
 * connections → caches and registries → inbox and router → job side → node and session sides → membership and
 * HTTP — and each part is handed only what it uses. Nothing is looked up or swapped later.
 *
 * Two HTTP servers: the public one (WebSocket upgrades, `/healthz`, `/readyz`) and the admin one (`/metrics`,
 * `/api/v1/*`, and the health endpoints again), so nothing an operator sees is reachable by clients.
 *
 * `start()` follows the cold-start order: connect → load scripts → subscribe to index events → load the index and
 * node summaries → inbox and presence → listen → ready. Subscribing before loading means no index event can fall
 * between the two; the inbox is subscribed before anything can be owned here. `stop()` closes everything at
 * once; `drain()` is the graceful path (drain.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createDecoders } from '@lingua/protocol';
import {
  Inbox,
  KeySchema,
  ScriptRunner,
  SessionOut,
  createRedis,
  subscribeIndexEvents,
  type IndexEventSubscription,
  type RedisConnection,
} from '@lingua/store';
import { addClusterApiRoutes } from './api/cluster.js';
import { createAuthVerifier } from './auth/verifier.js';
import { addReadApiRoutes } from './api/read-api.js';
import { IndexCache } from './cache/index-cache.js';
import { readIndexSnapshot } from './cache/index-snapshot.js';
import { redisConnectionOptions, type GatewayConfig } from './config.js';
import { drain } from './drain.js';
import { sampleEventLoopLag, type EventLoopLagSampler } from './event-loop-lag.js';
import { adminGuard } from './http/admin-guard.js';
import { addHealthRoutes, addMetricsRoute } from './http/health-routes.js';
import { HttpRouter } from './http/router.js';
import { Membership } from './instance/membership.js';
import { SessionOwnership } from './instance/ownership.js';
import { JobService } from './jobs/job-service.js';
import { JobStore } from './jobs/job-store.js';
import { createLogger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { NodeRegistry } from './nodes/node-registry.js';
import { NodeService } from './nodes/node-service.js';
import type { ClusterRouter } from './router/cluster-router.js';
import { createInstanceRouter } from './router/instance-router.js';
import { SessionRegistry } from './sessions/session-registry.js';
import { SessionService } from './sessions/session-service.js';
import type { SessionSide } from './sessions/session-side.js';
import { systemTimers, type Timers } from './time/timers.js';
import { InboundGate } from './ws/inbound-gate.js';
import { UpgradeRouter } from './ws/upgrade-router.js';
import { ClientAddressResolver } from './ws/client-address.js';
import { OriginAllowList } from './ws/origin-allow-list.js';

export type GatewayPhase = 'starting' | 'ready' | 'draining' | 'stopped';

/** The parts of a running gateway, for diagnostics and tests. Read-only: nothing here is replaced after build. */
export interface GatewayParts {
  readonly config: GatewayConfig;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly redis: RedisConnection;
  readonly keys: KeySchema;
  readonly index: IndexCache;
  /** This instance's registered node sockets. */
  readonly nodeSockets: NodeRegistry;
  /** The session side (or the stand-in a test supplied). */
  readonly sessions: SessionSide;
  readonly router: ClusterRouter;
  readonly inbox: Inbox;
  readonly membership: Membership;
}

export interface Gateway {
  readonly parts: GatewayParts;
  readonly nodes: NodeService;
  readonly upgrades: UpgradeRouter;
  start(): Promise<void>;
  /** Graceful: readiness off → nodes draining → in-flight jobs (bounded) → close. */
  drain(): Promise<void>;
  /** Immediate: close every socket (registrations removed), stop serving, disconnect Redis. */
  stop(): Promise<void>;
  /** The bound public port (useful with LINGUA_PORT=0). */
  port(): number;
  /** The bound admin port (useful with LINGUA_ADMIN_PORT=0). */
  adminPort(): number;
  phase(): GatewayPhase;
}

export interface GatewayOptions {
  logger?: Logger;
  timers?: Timers;
  /** A stand-in for the session side (e.g. a drain test that controls the in-flight count). */
  sessions?: SessionSide;
}

/** Socket close code for "server going away" (drain / stop). */
const GOING_AWAY = 1001;

export async function createGateway(config: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const { instanceId } = config;
  const logger = opts.logger ?? createLogger(config);
  const timers = opts.timers ?? systemTimers;
  const metrics = createMetrics();
  let phase: GatewayPhase = 'starting';

  // Connections.
  const keys = new KeySchema(config.keyPrefix);
  const redis = createRedis({
    ...redisConnectionOptions(config),
    name: `lingua-gw-${instanceId}`,
    lazyConnect: true,
    onError: (err) => {
      metrics.redis.errors.inc({ op: 'connection' });
      logger.warn({ err: err.message }, 'redis connection error');
    },
  });
  const scripts = new ScriptRunner(redis, {
    observe: (script, ms, outcome) => metrics.redis.scripts.observe({ script, outcome }, ms / 1_000),
    onReloadError: (err) => {
      metrics.redis.errors.inc({ op: 'script_reload' });
      logger.error({ err }, 'script reload failed');
    },
  });
  const decoders = createDecoders({
    maxFrameBytes: config.maxFrameBytes,
    maxTextLength: config.maxTextBytes,
    maxArrayItems: config.maxArrayItems,
    maxMapBytes: config.maxMapBytes,
    maxMapKeys: config.maxMapKeys,
  });
  // Node results get their own budget: a node flooding other frames still gets its results through.
  const newNodeGate = (): InboundGate =>
    new InboundGate(config, Date.now(), {
      reservedMarker: '"job_result"',
      // A node returns TTS audio for every job it holds: its results may need far more than a client sends, and
      // never less than any other frame may use.
      reservedLimits: {
        rateLimitPerS: Math.max(config.nodeResultRatePerS, config.rateLimitPerS),
        rateLimitBurst: Math.max(2 * config.nodeResultRatePerS, config.rateLimitBurst),
        rateLimitBytesPerS: Math.max(config.nodeResultBytesPerS, config.rateLimitBytesPerS),
        rateLimitBytesBurst: Math.max(2 * config.nodeResultBytesPerS, config.rateLimitBytesBurst),
      },
      onRefused: (reason) => metrics.ws.refusedFrames.inc({ endpoint: 'node', reason }),
    });
  const newSessionGate = (): InboundGate =>
    new InboundGate(config, Date.now(), {
      onRefused: (reason) => metrics.ws.refusedFrames.inc({ endpoint: 'session', reason }),
    });

  // Caches and registries: the only local state besides the sockets.
  let subscription: IndexEventSubscription | undefined;
  const index = new IndexCache({
    load: () => readIndexSnapshot(redis, keys),
    onReload: (reason, version) => {
      subscription?.setVersion(version);
      metrics.index.reloads.inc({ reason });
      metrics.index.version.set(version);
      logger.debug({ reason, version }, 'index reloaded');
    },
    onError: (err) => {
      metrics.redis.errors.inc({ op: 'index_reload' });
      logger.warn({ err }, 'index reload failed');
    },
  });
  const nodeSockets = new NodeRegistry();
  const sessionRegistry = new SessionRegistry();
  const ownership = new SessionOwnership({ redis, keys, instanceId, logger });

  // Inbox and router: every delivery to a node or session socket, here or on another instance.
  const clusterLogger = logger.child({ component: 'cluster' });
  const inbox = new Inbox({
    conn: redis,
    runner: scripts,
    keys,
    instanceId,
    probeMs: config.inboxProbeMs,
    retentionMs: config.inboxRetentionMs,
    log: clusterLogger,
  });
  const router = createInstanceRouter({
    instanceId,
    redis,
    scripts,
    keys,
    inbox,
    nodes: nodeSockets,
    sessions: sessionRegistry,
    ownership,
    logger: clusterLogger,
    metrics,
  });

  // The job side, then the node and session sides that use it.
  const jobs = new JobService({
    store: new JobStore(scripts, keys),
    index,
    router,
    timers,
    settings: {
      jobTimeoutMs: config.jobTimeoutMs,
      jobMaxAttempts: config.jobMaxAttempts,
      nodeLivenessTtlMs: config.nodeLivenessTtlMs,
    },
    logger,
    metrics,
  });
  const nodes = new NodeService({
    config,
    instanceId,
    logger,
    metrics,
    redis,
    scripts,
    keys,
    decoders,
    index,
    nodes: nodeSockets,
    router,
    jobs,
    newInboundGate: newNodeGate,
  });
  const sessions: SessionSide =
    opts.sessions ??
    new SessionService({
      config,
      instanceId,
      timers,
      logger,
      metrics,
      decoders,
      redis,
      scripts,
      keys,
      out: new SessionOut(redis),
      registry: sessionRegistry,
      ownership,
      router,
      jobs: jobs.forSessions,
      newInboundGate: newSessionGate,
    });

  // Cluster membership: presence and the takeover of dead instances.
  const membership = new Membership({
    settings: { instanceTickMs: config.instanceTickMs, sweepIntervalMs: config.sweepIntervalMs },
    config,
    instanceId,
    logger: clusterLogger,
    metrics,
    redis,
    scripts,
    keys,
    index,
    inbox,
    jobs,
    router,
    counts: () => ({ nodes: nodeSockets.size, sessions: sessionRegistry.size }),
  });
  metrics.bind({
    ready: () => phase === 'ready',
    poolReadyNodes: () => index.readyNodesByPool(),
    inboxProbesMissed: () => inbox.stats().probesMissed,
  });

  // HTTP and WebSocket upgrades: every socket is admitted with a verified token (unless LINGUA_AUTH=off).
  const verifier = createAuthVerifier(config.auth);
  const clientAddress = new ClientAddressResolver(config.trustedProxies);
  const upgrades = new UpgradeRouter({
    authorize: (req, kind) => verifier.verify(req, kind),
    clientAddress: (req) => clientAddress.resolve(req),
    maxConnectionsPerAddress: config.maxConnectionsPerIp,
    maxFrameBytes: config.maxFrameBytes,
    wsPingIntervalMs: config.wsPingIntervalMs,
    metrics,
    logger,
    admission: () => (phase === 'ready' ? 'open' : phase === 'starting' ? 'not_ready' : 'draining'),
  });
  upgrades.route('/ws/node', 'node', (ws, req, principal, client) =>
    nodes.attach(ws, req, principal, client),
  );
  upgrades.route(
    '/ws/session',
    'session',
    (ws, req, principal, client) => sessions.attach(ws, req, principal, client),
    { allowedOrigins: config.allowedOrigins && new OriginAllowList(config.allowedOrigins) },
  );
  const publicHttp = new HttpRouter();
  addHealthRoutes(publicHttp, { phase: () => phase });
  const server: Server = createServer((req, res) => void publicHttp.handle(req, res));
  server.on('upgrade', (req, socket, head) => upgrades.handleUpgrade(req, socket, head));
  server.keepAliveTimeout = 5_000;
  const adminHttp = new HttpRouter(adminGuard(createAuthVerifier(config.adminAuth)));
  const apiDeps = { config, instanceId, redis, keys, index };
  addHealthRoutes(adminHttp, { phase: () => phase });
  addMetricsRoute(adminHttp, metrics.registry);
  addReadApiRoutes(adminHttp, apiDeps);
  addClusterApiRoutes(adminHttp, apiDeps);
  const adminServer: Server = createServer((req, res) => void adminHttp.handle(req, res));
  adminServer.keepAliveTimeout = 5_000;

  let stopping: Promise<void> | undefined;
  let loopLag: EventLoopLagSampler | undefined;

  const listen = (s: Server, port: number, host: string): Promise<void> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
  const close = (s: Server): Promise<void> =>
    new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      s.close(() => resolve());
      s.closeAllConnections();
    });

  const shutdown = async (): Promise<void> => {
    phase = 'stopped';
    loopLag?.stop();
    upgrades.stop();
    nodes.stop();
    await nodes.closeAll(GOING_AWAY, 'gateway stopping');
    sessions.stop();
    await Promise.all([close(server), close(adminServer)]);
    await membership.stop();
    await inbox.stop();
    await subscription?.close();
    await scripts.settled();
    await redis.quit();
    logger.info('gateway stopped');
  };

  return {
    parts: {
      config,
      instanceId,
      logger,
      metrics,
      redis,
      keys,
      index,
      nodeSockets,
      sessions,
      router,
      inbox,
      membership,
    },
    nodes,
    upgrades,
    async start() {
      if (config.auth.mode === 'off') {
        logger.warn(
          'LINGUA_AUTH=off: every WebSocket is admitted without a token; never run it like this in production',
        );
      }
      if (config.adminAuth.mode === 'off') {
        logger.warn('LINGUA_ADMIN_AUTH=off: the admin API answers without a token');
      }
      await redis.ready();
      await scripts.load();
      subscription = await subscribeIndexEvents(
        redis,
        keys,
        (version, event) => {
          index.applyEvent(version, event);
          metrics.index.version.set(index.version);
        },
        (resync) => {
          if (resync.reason === 'resubscribe') return index.onResubscribe();
          index.reload(resync.reason === 'invalid' ? 'unknown_event' : 'gap').catch((err: unknown) => {
            logger.warn({ err }, 'index reload failed');
          });
        },
        { checkMs: config.sweepIntervalMs, log: logger },
      );
      await index.reload('start');
      await nodes.preload();
      // Subscribed and present before readiness: nothing addressed to this instance is published unseen.
      await inbox.start((payload) => router.onInboxMessage(payload));
      await membership.start();
      // The admin port first: metrics and the API answer from the moment clients can connect.
      await listen(adminServer, config.adminPort, config.adminHost);
      await listen(server, config.port, config.host);
      upgrades.start();
      nodes.start();
      loopLag = sampleEventLoopLag(metrics.eventLoopLag);
      phase = 'ready';
      logger.info(
        {
          port: (server.address() as AddressInfo).port,
          adminPort: (adminServer.address() as AddressInfo).port,
          indexVersion: index.version,
        },
        'gateway ready',
      );
    },
    drain() {
      stopping ??= drain({
        logger,
        timeoutMs: config.drainTimeoutMs,
        work: sessions,
        enterDraining: () => {
          phase = 'draining';
        },
        drainNodes: () => nodes.drainAll(),
        shutdown,
      }).then(() => undefined);
      return stopping;
    },
    stop() {
      stopping ??= shutdown();
      return stopping;
    },
    port() {
      return (server.address() as AddressInfo | null)?.port ?? config.port;
    },
    adminPort() {
      return (adminServer.address() as AddressInfo | null)?.port ?? config.adminPort;
    },
    phase: () => phase,
  };
}
