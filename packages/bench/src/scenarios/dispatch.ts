/**
 * `npm run bench -- dispatch [--sessions N] [--nodes M] [--rate R] [--seconds S] [--json file]`: N sessions × M
 * simulated nodes on one gateway process this scenario starts (with its own redis-server unless `--redis-url` points
 * elsewhere). Sessions speak at R utterances/s in total (open loop; a session waits for its previous utterance's
 * resolution, so cuts never merge); nodes answer at once. `--gateway-url` (with `--gateway-admin-url`, default port 9090 of the same host) uses a
 * running gateway instead (started with the env below, on the Redis of `--redis-url`), e.g. for profiling. Once the gateway runs, the session
 * simulator steps aside (SCHED_IDLE by default; `--client-sched`, see lib/client-priority.ts); the nodes run in a
 * child process at normal priority (node-fleet-process.ts).
 *
 * Figures (stamps on CLOCK_MONOTONIC, read alike by both simulator processes):
 * - dispatch_*: the final frame sent by the client → job_assign received by the node. With
 *   LINGUA_FINAL_GRACE_MS=0 the cut happens as the final frame is read, so this is "finalize → job_assign at
 *   the node" plus one client→gateway hop (an upper bound). The gateway's own cut → handed-to-socket histogram
 *   is reported as dispatch_gateway_*.
 * - result_*: job_result sent by the node → translation_result received by the client.
 * - redis_scripts_per_job: EVALSHA/EVAL calls (INFO commandstats delta) ÷ jobs in the measured phase: a job is
 *   one dispatch (select-reserve + job-open) plus one result (job-transition + reserve-release), so 4 means
 *   2 + 2. redis_scripts_per_dispatch / _per_result split them by script name, from the gateway's
 *   lingua_redis_script_duration_seconds counts (dispatch: select-reserve, job-open, job-rebind; result:
 *   job-transition, reserve-release).
 * - resolved_ratio: utterance indexes resolved (one translation_result or missing_result) ÷ utterances sent;
 *   must be 1.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  kitAdminHeaders,
  poll,
  startGateway,
  startRedisServer,
  uniquePrefix,
  type GatewayHandle,
} from '@lingua/testkit';
import { stepAsideForServers } from '../lib/client-priority.js';
import { countCalls, countScriptCalls, startCommandStats } from '../lib/commandstats.js';
import { intFlag, type Flags } from '../lib/flags.js';
import { buildReport, collectEnv, printFigures, type BenchReport } from '../lib/report.js';
import { percentiles, type Figures } from '../lib/stats.js';
import { driveOpenLoop, SimSession, type TimesBook } from './dispatch-sim.js';
import { NodeFleetProcess } from './node-fleet-process.js';
import {
  countsByLabel,
  diffBuckets,
  histogramQuantile,
  parseHistogram,
  type Buckets,
} from './prom-histogram.js';

const DISPATCH_METRIC = 'lingua_job_dispatch_duration_seconds';
const RESULT_METRIC = 'lingua_job_result_duration_seconds';
const SCRIPT_METRIC = 'lingua_redis_script_duration_seconds';
const DISPATCH_SCRIPTS = ['select-reserve', 'job-open', 'job-rebind'] as const;
const RESULT_SCRIPTS = ['job-transition', 'reserve-release'] as const;

export async function runDispatchScenario(flags: Flags): Promise<BenchReport> {
  const sessionCount = intFlag(flags, 'sessions', 100);
  const nodeCount = intFlag(flags, 'nodes', 10);
  // Enough slots that capacity never refuses a job: this measures the path, not the queueing.
  const maxJobs = Math.max(4, Math.ceil((sessionCount * 2) / nodeCount));
  const rate = intFlag(flags, 'rate', 1_000);
  const seconds = intFlag(flags, 'seconds', 10);
  const warmupSeconds = intFlag(flags, 'warmup-seconds', 5);
  const say = (line: string): void => void process.stderr.write(`[dispatch] ${line}\n`);

  const redisServer = flags['redis-url'] ? undefined : await startRedisServer();
  const redisUrl = flags['redis-url'] ?? (redisServer?.url as string);
  const redis = new Redis(redisUrl, { protocol: 2, lazyConnect: false });
  let gw: GatewayHandle | undefined;
  let fleet: NodeFleetProcess | undefined;
  const sessions: SimSession[] = [];
  const book: TimesBook = new Map();
  try {
    const external = flags['gateway-url'];
    if (external === undefined) {
      say(`starting a gateway on ${redisUrl}`);
      gw = await startGateway({
        name: 'bench-dispatch',
        env: {
          LINGUA_REDIS_URL: redisUrl,
          LINGUA_KEY_PREFIX: uniquePrefix('bench'),
          LINGUA_HOST: '127.0.0.1',
          LINGUA_LOG_LEVEL: 'warn',
          // The cut happens as the final frame is read: the measured dispatch starts at the cut.
          LINGUA_FINAL_GRACE_MS: '0',
          // No background scripts in the measured window: only the job path runs scripts.
          LINGUA_SWEEP_INTERVAL_MS: '3600000',
          LINGUA_RATE_LIMIT_PER_S: '100000',
          LINGUA_RATE_LIMIT_BURST: '100000',
          // The gateway caps what a node asks for at this; the nodes below ask for maxJobs.
          LINGUA_NODE_MAX_JOBS: String(maxJobs),
          // Every simulated node and session connects from this one machine.
          LINGUA_MAX_CONNECTIONS_PER_IP: '0',
          LINGUA_MAX_SESSIONS_PER_SUBJECT: '0',
        },
        readyTimeoutMs: 60_000,
        stopTimeoutMs: 60_000,
      });
    }
    const gateway =
      gw ??
      externalGateway(
        external as string,
        flags['gateway-admin-url'] ?? (external as string).replace(/:\d+\/?$/, ':9090'),
      );
    /** One scrape of what the scenario reads from the gateway's own metrics. */
    const scrape = async (): Promise<{
      dispatch: Buckets;
      result: Buckets;
      scripts: Map<string, number>;
    }> => {
      const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
      return {
        dispatch: parseHistogram(text, DISPATCH_METRIC),
        result: parseHistogram(text, RESULT_METRIC),
        scripts: countsByLabel(text, SCRIPT_METRIC, 'script'),
      };
    };

    const clientSched = stepAsideForServers(flags);
    say(`simulator priority: ${clientSched}`);
    say(`${nodeCount} nodes, ${sessionCount} sessions`);
    fleet = await NodeFleetProcess.start(gateway.wsUrl('/ws/node'), nodeCount, maxJobs);
    await poll(
      async () => {
        const res = await fetch(`${gateway.adminUrl}/api/v1/lang-index`, { headers: kitAdminHeaders() });
        const body = (await res.json()) as { sources?: Record<string, string[]> };
        return (body.sources?.['zh']?.length ?? 0) > 0;
      },
      { what: 'the language index lists the nodes', timeoutMs: 10_000 },
    );
    for (let i = 0; i < sessionCount; i += 50) {
      const batch = Math.min(50, sessionCount - i);
      sessions.push(
        ...(await Promise.all(
          Array.from({ length: batch }, () => SimSession.start(gateway.wsUrl('/ws/session'), book)),
        )),
      );
    }

    say(`warm-up: ${rate}/s for ${warmupSeconds} s`);
    await driveOpenLoop(sessions, rate, warmupSeconds * 1_000, 'warm-up', 'dispatch');
    await Promise.all(sessions.map((s) => s.idle()));
    const warmKeys = new Set(book.keys());

    say(`measuring: ${rate}/s for ${seconds} s`);
    const before = await scrape();
    const stats = await startCommandStats(redis);
    const started = performance.now();
    const sent = await driveOpenLoop(sessions, rate, seconds * 1_000, 'measure', 'dispatch');
    await Promise.all(sessions.map((s) => s.idle()));
    const elapsedS = (performance.now() - started) / 1_000;
    // The result path releases the reservation after routing the result: let those last scripts land.
    await delay(300);
    const delta = await stats.delta();
    const after = await scrape();
    const calls = (names: readonly string[]): number =>
      names.reduce((n, name) => n + (after.scripts.get(name) ?? 0) - (before.scripts.get(name) ?? 0), 0);
    const dispatchGw = diffBuckets(before.dispatch, after.dispatch);
    const resultGw = diffBuckets(before.result, after.result);

    await fleet.mergeInto(book);
    const measured = [...book.entries()].filter(([k]) => !warmKeys.has(k)).map(([, t]) => t);
    const dispatchMs: number[] = [];
    const resultMs: number[] = [];
    let jobs = 0;
    for (const t of measured) {
      if (t.finalSent !== undefined && t.assignAt !== undefined) dispatchMs.push(t.assignAt - t.finalSent);
      if (t.resultSent !== undefined && t.resolvedAt !== undefined && t.resolution === 'translation') {
        resultMs.push(t.resolvedAt - t.resultSent);
        jobs++;
      }
    }
    const all = [...book.values()];
    const accepted = all.filter((t) => t.finalSent !== undefined).length;
    const resolved = all.filter((t) => t.finalSent !== undefined && t.resolvedAt !== undefined).length;
    const duplicates = all.reduce((n, t) => n + (t.extra ?? 0), 0);
    const [dP50, dP99] = percentiles(dispatchMs, [50, 99]);
    const [rP50, rP99] = percentiles(resultMs, [50, 99]);

    const figures: Figures = {
      sessions: sessionCount,
      nodes: nodeCount,
      target_rate_per_s: rate,
      jobs_per_s: jobs / elapsedS,
      dispatch_p50_ms: dP50 ?? Number.NaN,
      dispatch_p99_ms: dP99 ?? Number.NaN,
      result_p50_ms: rP50 ?? Number.NaN,
      result_p99_ms: rP99 ?? Number.NaN,
      dispatch_gateway_p50_ms: histogramQuantile(dispatchGw, 0.5) * 1_000,
      dispatch_gateway_p99_ms: histogramQuantile(dispatchGw, 0.99) * 1_000,
      result_gateway_p50_ms: histogramQuantile(resultGw, 0.5) * 1_000,
      result_gateway_p99_ms: histogramQuantile(resultGw, 0.99) * 1_000,
      redis_scripts_per_job: countScriptCalls(delta) / jobs,
      redis_scripts_per_dispatch: calls(DISPATCH_SCRIPTS) / jobs,
      redis_scripts_per_result: calls(RESULT_SCRIPTS) / jobs,
      redis_cmds_per_job: countCalls(delta) / jobs,
      resolved_ratio: accepted === 0 ? Number.NaN : resolved / accepted,
      duplicate_resolutions: duplicates,
      utterances_sent: sent,
    };
    const report = buildReport('dispatch', figures, {
      ...(await collectEnv(redis)),
      client_sched: clientSched,
    });
    printFigures(
      report.figures,
      `dispatch: ${sessionCount} sessions × ${nodeCount} nodes, one gateway, loopback Redis, ${rate}/s`,
    );
    return report;
  } finally {
    for (const s of sessions) s.close();
    await fleet?.close();
    await gw?.stop().catch(() => undefined);
    redis.disconnect();
    await redisServer?.stop();
  }
}

/**
 * A gateway somebody else started (profiling runs): `--gateway-url http://host:port` and its
 * `--gateway-admin-url http://host:adminport`, same env as above.
 */
function externalGateway(
  url: string,
  adminUrl: string,
): { url: string; adminUrl: string; wsUrl(path: string): string } {
  const base = url.replace(/\/$/, '');
  return {
    url: base,
    adminUrl: adminUrl.replace(/\/$/, ''),
    wsUrl: (path) => `${base.replace(/^http/, 'ws')}${path}`,
  };
}
