/**
 * `npm run bench -- nodes [--nodes N] [--json file]`: N simulated nodes over real sockets register and heartbeat
 * against one gateway process this scenario starts (with its own redis-server unless `--redis-url` points
 * elsewhere). Phases:
 *   1. connect N sockets;
 *   2. register them (bounded concurrency) — gateway-side handling from its histogram, client round trips;
 *   3. first heartbeat (→ ready), settle, gateway RSS per idle connection;
 *   4. paced heartbeats at --hb-rate/s for --hb-seconds — handling and round-trip latency at a steady load;
 *   5. closed-loop heartbeats for --throughput-seconds — heartbeats/s, Redis commands per heartbeat.
 * After starting the gateway and Redis (normal priority) the simulator steps aside: SCHED_IDLE by default
 * (`--client-sched idle|nice|off`, `--client-nice N` for the nice fallback; lib/client-priority.ts says why).
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startGateway, startRedisServer, uniquePrefix, type GatewayHandle } from '@lingua/testkit';
import { stepAsideForServers } from '../lib/client-priority.js';
import { countCalls, countScriptCalls, startCommandStats } from '../lib/commandstats.js';
import { BenchError } from '../lib/errors.js';
import { intFlag, type Flags } from '../lib/flags.js';
import { createProgress } from '../lib/progress.js';
import { buildReport, collectEnv, printFigures, type BenchReport } from '../lib/report.js';
import { percentiles, type Figures } from '../lib/stats.js';
import { SimNode, runPool } from './node-fleet.js';
import { diffBuckets, histogramQuantile, parseHistogram, type Buckets } from './prom-histogram.js';

export type { Flags } from '../lib/flags.js';

const REGISTER_METRIC = 'lingua_node_register_duration_seconds';
const HEARTBEAT_METRIC = 'lingua_node_heartbeat_duration_seconds';

export async function runNodesScenario(flags: Flags): Promise<BenchReport> {
  const n = intFlag(flags, 'nodes', 2_000);
  const registerConcurrency = intFlag(flags, 'register-concurrency', 4);
  const hbRate = intFlag(flags, 'hb-rate', 1_000);
  const hbSeconds = intFlag(flags, 'hb-seconds', 10);
  const tpSeconds = intFlag(flags, 'throughput-seconds', 10);
  const tpConcurrency = intFlag(flags, 'throughput-concurrency', 64);
  const say = (line: string): void => void process.stderr.write(`[nodes] ${line}\n`);

  const redisServer = flags['redis-url'] ? undefined : await startRedisServer();
  const redisUrl = flags['redis-url'] ?? (redisServer?.url as string);
  const redis = new Redis(redisUrl, { protocol: 2, lazyConnect: false });
  let gw: GatewayHandle | undefined;
  const fleet: SimNode[] = [];
  try {
    say(`starting a gateway on ${redisUrl}`);
    gw = await startGateway({
      name: 'bench-nodes',
      env: {
        LINGUA_REDIS_URL: redisUrl,
        LINGUA_KEY_PREFIX: uniquePrefix('bench'),
        LINGUA_HOST: '127.0.0.1',
        LINGUA_LOG_LEVEL: 'warn',
        LINGUA_NODE_READY_HEARTBEATS: '1',
        LINGUA_NODE_DEGRADE_HEARTBEATS: '1',
        // Closed-loop heartbeats over a small fleet exceed the per-socket rate limit (100/s): not what we measure.
        LINGUA_RATE_LIMIT_PER_S: '100000',
        LINGUA_RATE_LIMIT_BURST: '100000',
        // Every simulated node connects from this one machine.
        LINGUA_MAX_CONNECTIONS_PER_IP: '0',
      },
      readyTimeoutMs: 60_000,
      stopTimeoutMs: 120_000,
    });
    const gateway = gw;
    const clientSched = stepAsideForServers(flags);
    say(`simulator priority: ${clientSched}`);
    const wsUrl = gateway.wsUrl('/ws/node');
    const scrape = async (metric: string): Promise<Buckets> =>
      parseHistogram(await (await fetch(`${gateway.adminUrl}/metrics`)).text(), metric);
    const gatewayMs = (d: Buckets, q: number): number => histogramQuantile(d, q) * 1_000;
    await delay(1_000); // let the fresh process settle before the RSS baseline
    const rssBefore = await rssBytes(gateway.pid);

    say(`connecting ${n} node sockets`);
    let progress = createProgress({ label: 'connect', total: n });
    fleet.push(
      ...(await runPool(
        n,
        256,
        () => SimNode.connect(wsUrl),
        (done) => progress.update(done),
      )),
    );
    progress.stop();

    say(`registering (${registerConcurrency} at a time)`);
    let before = await scrape(REGISTER_METRIC);
    progress = createProgress({ label: 'register', total: n });
    const regStarted = performance.now();
    const registerRtt = await runPool(
      n,
      registerConcurrency,
      (i) => (fleet[i] as SimNode).register(),
      (done) => progress.update(done),
    );
    const regSeconds = (performance.now() - regStarted) / 1_000;
    progress.stop();
    const regGateway = diffBuckets(before, await scrape(REGISTER_METRIC));
    const [regClientP50, regClientP99] = percentiles(registerRtt, [50, 99]);

    say('first heartbeat of every node (→ ready), then idle');
    await runPool(n, 64, (i) => (fleet[i] as SimNode).heartbeat());
    await delay(3_000);
    const rssIdle = await rssBytes(gateway.pid);

    say(`paced heartbeats: ${hbRate}/s for ${hbSeconds} s`);
    before = await scrape(HEARTBEAT_METRIC);
    const pacedRtt = await pacedHeartbeats(fleet, hbRate, hbSeconds * 1_000);
    const hbGateway = diffBuckets(before, await scrape(HEARTBEAT_METRIC));
    const [hbClientP50, hbClientP99] = percentiles(pacedRtt, [50, 99]);

    say(`closed-loop heartbeats: ${tpConcurrency} outstanding for ${tpSeconds} s`);
    before = await scrape(HEARTBEAT_METRIC);
    const stats = await startCommandStats(redis);
    const tp = await closedLoopHeartbeats(fleet, tpConcurrency, tpSeconds * 1_000);
    const delta = await stats.delta();
    const tpGateway = diffBuckets(before, await scrape(HEARTBEAT_METRIC));

    const figures: Figures = {
      nodes: n,
      register_p50_ms: gatewayMs(regGateway, 0.5),
      register_p99_ms: gatewayMs(regGateway, 0.99),
      register_client_p50_ms: regClientP50 ?? Number.NaN,
      register_client_p99_ms: regClientP99 ?? Number.NaN,
      registers_per_s: n / regSeconds,
      heartbeat_p50_ms: gatewayMs(hbGateway, 0.5),
      heartbeat_p99_ms: gatewayMs(hbGateway, 0.99),
      heartbeat_client_p50_ms: hbClientP50 ?? Number.NaN,
      heartbeat_client_p99_ms: hbClientP99 ?? Number.NaN,
      heartbeat_paced_per_s: pacedRtt.length / hbSeconds,
      heartbeats_per_s: tp.count / tp.seconds,
      heartbeat_p99_ms_at_max: gatewayMs(tpGateway, 0.99),
      redis_cmds_per_heartbeat: countCalls(delta) / tp.count,
      redis_scripts_per_heartbeat: countScriptCalls(delta) / tp.count,
      gateway_rss_idle_mib: rssIdle / 1_048_576,
      rss_per_conn_kib: (rssIdle - rssBefore) / n / 1_024,
    };
    const report = buildReport('nodes', figures, {
      ...(await collectEnv(redis)),
      client_sched: clientSched,
    });
    printFigures(report.figures, `nodes: ${n} simulated nodes, one gateway, loopback Redis`);
    return report;
  } finally {
    for (const node of fleet) node.close();
    await gw?.stop().catch(() => undefined);
    redis.disconnect();
    await redisServer?.stop();
  }
}

/** Heartbeats at a fixed rate from round-robin idle nodes; returns each one's round trip (ms). */
async function pacedHeartbeats(fleet: SimNode[], ratePerS: number, durationMs: number): Promise<number[]> {
  const rtts: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  let cursor = 0;
  const progress = createProgress({
    label: 'paced heartbeats',
    total: Math.round((ratePerS * durationMs) / 1_000),
  });
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed / 1_000) * ratePerS);
    for (let tries = 0; sent < due && tries < fleet.length; tries++) {
      const node = fleet[cursor++ % fleet.length] as SimNode;
      if (node.busy) continue;
      sent++;
      const p = node.heartbeat().then((ms) => void rtts.push(ms));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    progress.update(sent);
    await delay(2);
  }
  await Promise.all(inFlight);
  progress.stop();
  return rtts;
}

/** `lanes` heartbeats always outstanding, each lane moving to the next idle node; returns the completed count. */
async function closedLoopHeartbeats(
  fleet: SimNode[],
  lanes: number,
  durationMs: number,
): Promise<{ count: number; seconds: number }> {
  const started = performance.now();
  const deadline = started + durationMs;
  let cursor = 0;
  let count = 0;
  const progress = createProgress({ label: 'closed-loop heartbeats' });
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      let node = fleet[cursor++ % fleet.length] as SimNode;
      while (node.busy) node = fleet[cursor++ % fleet.length] as SimNode;
      await node.heartbeat();
      count++;
      progress.update(count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, fleet.length) }, lane));
  progress.stop();
  return { count, seconds: (performance.now() - started) / 1_000 };
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kib === undefined) throw new BenchError('BAD_ARGUMENT', `no VmRSS for pid ${pid}`);
  return Number(kib) * 1_024;
}
