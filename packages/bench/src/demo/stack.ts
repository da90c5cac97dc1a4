/**
 * The demo stack: Redis, two gateway processes (started from source by the test kit) and a fleet of simulated
 * nodes in this process. Every part is stopped by `stop()`; the test kit also kills its child processes when this
 * process exits or gets a signal, so nothing outlives the demo.
 */
import { randomBytes } from 'node:crypto';
import { startSimFleet, type SimFleet } from '@lingua/node-agent';
import { startGateway, type GatewayHandle } from '@lingua/testkit';
import { DemoError } from './errors.js';
import { setUpRedis, type DemoRedis } from './redis-setup.js';

export const DEMO_LANGUAGES = ['en', 'zh', 'ja'];
const NODE_COUNT = 3;
/**
 * Concurrent jobs per simulated node. `lingua-client --sessions 200` against the demo stack starts every session at
 * once and streams the same audio, so 200 utterances end within a few ms of each other: 3 × 100 slots take that
 * burst whole, where a realistic 2 per node refused most of it as NO_AVAILABLE_NODE. The fake inference is timers,
 * so the slots cost nothing.
 */
export const NODE_SLOTS = 100;
const HEARTBEAT_MS = 2_000;
const NODES_READY_TIMEOUT_MS = 15_000;

export interface DemoStack {
  readonly redis: DemoRedis;
  readonly keyPrefix: string;
  readonly gateways: readonly GatewayHandle[];
  readonly nodeGateway: GatewayHandle;
  readonly fleet: SimFleet;
  /** node id → the gateway its socket is on. */
  readonly nodeHome: ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

/**
 * Settings for a snappy demo: nodes heartbeat every 2 s and are ready after the first one (sent right after the
 * ack); a final chunk cuts the utterance after 50 ms; a lost job is retried after 4 s, not 30.
 */
export function demoGatewayEnv(redisEnv: Record<string, string>, keyPrefix: string): Record<string, string> {
  return {
    ...redisEnv,
    LINGUA_HOST: '127.0.0.1',
    LINGUA_KEY_PREFIX: keyPrefix,
    LINGUA_LOG_LEVEL: 'warn',
    LINGUA_NODE_READY_HEARTBEATS: '1',
    LINGUA_NODE_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
    // Generous: on a busy machine a heartbeat can be late by seconds; nothing in the demo waits for an expiry.
    LINGUA_NODE_LIVENESS_TTL_MS: '15000',
    LINGUA_FINAL_GRACE_MS: '50',
    LINGUA_PAUSE_MS: '1500',
    LINGUA_JOB_TIMEOUT_MS: '4000',
    LINGUA_RESULT_GAP_MS: '6000',
    LINGUA_INBOX_PROBE_MS: '1000',
    LINGUA_INSTANCE_TICK_MS: '1000',
    LINGUA_DRAIN_TIMEOUT_MS: '2000',
    // The simulated nodes ask for NODE_SLOTS; the gateway grants at most this.
    LINGUA_NODE_MAX_JOBS: String(NODE_SLOTS),
    // Every demo peer, and `lingua-client --sessions 200` against a kept stack, connects from this one machine
    // with one credential: the per-address and per-subject limits are for strangers on the internet.
    LINGUA_MAX_CONNECTIONS_PER_IP: '0',
    LINGUA_MAX_SESSIONS_PER_SUBJECT: '0',
  };
}

export interface StackHooks {
  /** Progress lines while starting ("redis ready", …). */
  step?(line: string): void;
  /** Called with each part as soon as it exists, so a signal during start-up can still stop it. */
  track?(stop: () => Promise<void>): void;
  /** Each gateway that started (its logs explain failures). */
  gateway?(g: GatewayHandle): void;
}

export async function startDemoStack(hooks: StackHooks = {}): Promise<DemoStack> {
  const step = hooks.step ?? (() => {});
  const redis = await setUpRedis();
  hooks.track?.(() => redis.stop());
  step(`redis      ${redis.description}`);

  const keyPrefix = `lingua-demo-${randomBytes(3).toString('hex')}`;
  const env = demoGatewayEnv(redis.gatewayEnv, keyPrefix);
  const started = await Promise.allSettled(
    ['gateway-1', 'gateway-2'].map((name) => startGateway({ name, env, stopTimeoutMs: 5_000 })),
  );
  const gateways = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  for (const g of gateways) {
    hooks.track?.(() => g.stop());
    hooks.gateway?.(g);
  }
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    const reason = (failed.reason as Error).message.split('\n')[0] ?? String(failed.reason);
    throw new DemoError('STACK_START_FAILED', `a gateway did not start: ${reason}`, { cause: failed.reason });
  }
  const [gateway1] = gateways as [GatewayHandle, GatewayHandle];
  for (const g of gateways) step(`${g.name.padEnd(10)} ${g.url} (pid ${g.pid})`);

  const fleet = startSimFleet({
    url: gateway1.wsUrl('/ws/node'),
    nodes: NODE_COUNT,
    asrLanguages: DEMO_LANGUAGES,
    targetLanguages: DEMO_LANGUAGES,
    latency: { minMs: 80, maxMs: 220 },
    failureRate: 0,
    tts: true,
    maxJobs: NODE_SLOTS,
    heartbeatIntervalMs: HEARTBEAT_MS,
    drainTimeoutMs: 2_000,
    seed: 7,
  });
  hooks.track?.(() => fleet.stop());
  const readyAt = Date.now();
  const nodeIds = await nodesReady(fleet);
  const nodeHome = new Map(nodeIds.map((id) => [id, gateway1.name]));
  step(
    `nodes      ${nodeIds.length} simulated nodes (${DEMO_LANGUAGES.join('/')}, ${NODE_SLOTS} slots each) ` +
      `on ${gateway1.name}, ready in ${Date.now() - readyAt} ms`,
  );

  return {
    redis,
    keyPrefix,
    gateways,
    nodeGateway: gateway1,
    fleet,
    nodeHome,
    async stop() {
      await fleet.stop();
      await Promise.allSettled(gateways.map((g) => g.stop()));
      await redis.stop();
    },
  };
}

/** Resolves with the node ids once every node was told `ready`. */
function nodesReady(fleet: SimFleet): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const ready = new Set<string>();
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new DemoError(
          'NODES_NOT_READY',
          `only ${ready.size} of ${fleet.agents.length} nodes became ready within ${NODES_READY_TIMEOUT_MS} ms`,
        ),
      );
    }, NODES_READY_TIMEOUT_MS);
    const listeners = fleet.agents.map((agent) => {
      const onStatus = (s: { node_id: string; status: string }) => {
        if (s.status !== 'ready') return;
        ready.add(s.node_id);
        if (ready.size === fleet.agents.length) {
          cleanup();
          resolve([...ready].sort());
        }
      };
      agent.on('status', onStatus);
      return () => agent.off('status', onStatus);
    });
    const cleanup = () => {
      clearTimeout(timer);
      for (const off of listeners) off();
    };
  });
}
