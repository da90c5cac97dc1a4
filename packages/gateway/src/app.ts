/**
 * Composition root: builds one GatewayContext and wires the parts together. `start()` follows the cold-start
 * order of DESIGN.md §6 (connect → load scripts → subscribe to index events → load index and node summaries →
 * listen → ready); subscribing before loading means no event can fall between the two. `stop()` closes
 * everything immediately; `drain()` is the graceful path (drain.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createDecoders } from '@lingua/protocol';
import {
  KeySchema,
  ScriptRunner,
  createRedis,
  subscribeIndexEvents,
  type IndexEventSubscription,
} from '@lingua/store';
import { IndexCache } from './cache/index-cache.js';
import { readIndexSnapshot } from './cache/index-snapshot.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext, GatewayPhase, JobSide, NodeLifecycleHooks, Router } from './context.js';
import { drain } from './drain.js';
import { sampleEventLoopLag, type EventLoopLagSampler } from './event-loop-lag.js';
import { createClusterRuntime, type ClusterRuntime } from './instance/cluster-runtime.js';
import { addHealthRoutes } from './http/health-routes.js';
import { HttpRouter } from './http/router.js';
import { addClusterApiRoutes } from './api/cluster.js';
import { addReadApiRoutes } from './api/read-api.js';
import { installJobService } from './jobs/job-service.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createLocalRouter } from './nodes/local-router.js';
import { NodeRegistry } from './nodes/node-registry.js';
import { NodeService } from './nodes/node-service.js';
import { placeholderJobSide, placeholderNodeHooks } from './placeholder-job-side.js';
import { attachSessionSocket } from './sessions/session-socket.js';
import { InboundGate } from './ws/inbound-gate.js';
import { UpgradeRouter } from './ws/upgrade-router.js';

export interface Gateway {
  readonly ctx: GatewayContext;
  readonly nodes: NodeService;
  readonly upgrades: UpgradeRouter;
  /** Inbox, cluster router, presence and maintenance of this instance (diagnostics and fault tests). */
  readonly cluster: ClusterRuntime;
  start(): Promise<void>;
  /** Graceful: readiness off → nodes draining → in-flight jobs (bounded) → close. */
  drain(): Promise<void>;
  /** Immediate: close every socket (registrations removed), stop serving, disconnect Redis. */
  stop(): Promise<void>;
  /** The bound port (useful with LINGUA_PORT=0). */
  port(): number;
}

export interface GatewayOptions {
  logger?: Logger;
  /** Replace seams (e.g. a test job side); the sessions/jobs service normally installs itself in `start()`. */
  router?: Router;
  hooks?: NodeLifecycleHooks;
  jobs?: JobSide;
}

/** Socket close code for "server going away" (drain / stop). */
const GOING_AWAY = 1001;

export async function createGateway(config: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const logger = opts.logger ?? createLogger(config);
  const metrics = createMetrics();
  const keys = new KeySchema(config.keyPrefix);
  const redis = createRedis({
    url: config.redisUrl,
    clusterNodes: config.redisClusterNodes.map((n) => `${n.host}:${n.port}`),
    name: `lingua-gw-${config.instanceId}`,
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
  });
  let phase: GatewayPhase = 'starting';
  let subscription: IndexEventSubscription | undefined;
  const registry = new NodeRegistry();
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

  const ctx: GatewayContext = {
    config,
    logger,
    metrics,
    redis,
    scripts,
    keys,
    instanceId: config.instanceId,
    decoders,
    index,
    nodes: registry,
    router: opts.router ?? createLocalRouter(config.instanceId, registry, logger),
    hooks: opts.hooks ?? placeholderNodeHooks(logger),
    jobs: opts.jobs ?? placeholderJobSide(logger),
    phase: () => phase,
    newInboundGate: () => new InboundGate(config),
  };

  const jobService = installJobService(ctx, opts);
  // N instances, one scheduler: cross-instance delivery through inboxes, unless the caller supplies a router.
  const cluster = createClusterRuntime(ctx, jobService.sessions);
  metrics.bind({
    ready: () => phase === 'ready',
    poolReadyNodes: () => index.readyNodesByPool(),
    inboxProbesMissed: () => cluster.inbox.stats().probesMissed,
  });
  if (opts.router === undefined) ctx.router = cluster.router;
  const nodes = new NodeService(ctx);
  const upgrades = new UpgradeRouter({
    maxFrameBytes: config.maxFrameBytes,
    wsPingIntervalMs: config.wsPingIntervalMs,
    metrics,
    logger,
    admission: () => (phase === 'ready' ? 'open' : phase === 'starting' ? 'not_ready' : 'draining'),
  });
  upgrades.route('/ws/node', 'node', (ws, req) => nodes.attach(ws, req));
  upgrades.route('/ws/session', 'session', (ws, req) => attachSessionSocket(ctx, ws, req));

  const http = new HttpRouter();
  addHealthRoutes(http, { phase: () => phase }, metrics.registry);
  addReadApiRoutes(http, ctx);
  addClusterApiRoutes(http, ctx);
  const server: Server = createServer((req, res) => void http.handle(req, res));
  server.on('upgrade', (req, socket, head) => upgrades.handleUpgrade(req, socket, head));
  server.keepAliveTimeout = 5_000;

  let stopping: Promise<void> | undefined;
  let loopLag: EventLoopLagSampler | undefined;

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });

  const shutdown = async (): Promise<void> => {
    phase = 'stopped';
    loopLag?.stop();
    upgrades.stop();
    nodes.stop();
    await nodes.closeAll(GOING_AWAY, 'gateway stopping');
    await ctx.jobs.stop?.();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await cluster.stop();
    await subscription?.close();
    await scripts.settled();
    await redis.quit();
    logger.info('gateway stopped');
  };

  return {
    ctx,
    nodes,
    upgrades,
    cluster,
    async start() {
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
      // Inbox subscribed and presence written before readiness: nothing addressed to this instance is missed.
      await cluster.start();
      await listen();
      upgrades.start();
      nodes.start();
      loopLag = sampleEventLoopLag(metrics.eventLoopLag);
      phase = 'ready';
      logger.info(
        { port: (server.address() as AddressInfo).port, indexVersion: index.version },
        'gateway ready',
      );
    },
    drain() {
      stopping ??= drain({
        ctx,
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
  };
}
