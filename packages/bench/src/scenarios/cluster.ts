/**
 * `npm run bench -- cluster [--rate R] [--seconds S] [--sessions N] [--nodes M] [--json file]`: two gateway processes
 * on one Redis (this scenario starts a redis-server unless `--redis-url` points elsewhere): every session on the
 * session-side gateway, every node on the node-side gateway, so every job_assign crosses into the node side's inbox
 * and every result into the session side's. Sessions speak at R utterances/s in total (open loop, one utterance in
 * flight per session); nodes answer at once.
 *
 * The session simulator steps aside for the servers (SCHED_IDLE by default; `--client-sched idle|nice|off`,
 * lib/client-priority.ts); the simulated nodes (a child process, node-fleet-process.ts) and the relays below run at
 * normal priority.
 *
 * Then, in the same run and on the same Redis, the socket.io peer (two socket.io servers with the Redis
 * adapter, client A → server A → Redis → server B → client B) relays messages of the size of our job_assign
 * envelope at the rate we achieved.
 *
 * Figures (stamps on CLOCK_MONOTONIC, read alike by the simulator processes):
 * - jobs_per_s: translations resolved per second in the measured window;
 * - dispatch_*: final audio frame sent by the client → job_assign received by the node (session side → node
 *   side: 2 scripts + an inbox hop);
 * - result_*: job_result sent by the node → translation_result received by the client (node side → session
 *   side: 2 scripts + an inbox hop);
 * - peer_socketio_*: one relayed message, client → client;
 * - ratio_p99_vs_socketio: the worse of our two job p99s ÷ the peer's p99 (≤ 1 = no worse than socket.io); a job
 *   also runs two scripts on each side, the relay none, so this compares a whole job with a bare relay;
 * - inbox_relay_*: our transport alone in the peer's shape (client → relay A → Inbox.publish → relay B's inbox
 *   → client), same rate and size; ratio_transport_p99_vs_socketio compares hop with hop;
 * - dispatch_gateway_p99_ms / result_gateway_p99_ms: the gateways' own share (their histograms): session side cut →
 *   assign published; node side job_result read → result published;
 * - lost: utterances accepted and never resolved; duplicated: resolutions beyond the first (both must be 0);
 * - cpu_ms_per_job_*: CPU time each gateway process (and the redis-server this scenario started; NaN with
 *   --redis-url) used in the window ÷ jobs (stable where latency is not: it does not depend on what else runs on
 *   the machine);
 * - redis_scripts_per_job / redis_cmds_per_job: INFO commandstats delta ÷ jobs (scripts: select-reserve, job-open,
 *   inbox-publish on the way there; job-transition, inbox-publish, reserve-release on the way back = 6 at most;
 *   fewer under load, where inbox publishes to one instance and releases on one shard are batched per turn).
 */
import { readFileSync } from 'node:fs';
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
import { countCalls, countScriptCalls, startCommandStats } from '../lib/commandstats.js';
import { normalPriority, stepAsideForServers } from '../lib/client-priority.js';
import { intFlag, type Flags } from '../lib/flags.js';
import { buildReport, collectEnv, printFigures, type BenchReport } from '../lib/report.js';
import { percentiles, ratio, type Figures } from '../lib/stats.js';
import { measureInboxRelay } from '../peers/inbox-relay.js';
import { measureSocketIoRelay } from '../peers/socketio-relay.js';
import { driveOpenLoop, SimSession, type TimesBook } from './dispatch-sim.js';
import { NodeFleetProcess } from './node-fleet-process.js';
import { diffBuckets, histogramQuantile, parseHistogram, type Buckets } from './prom-histogram.js';

/** Session side: cut → job_assign handed over (here: published to the node side's inbox). */
const DISPATCH_METRIC = 'lingua_job_dispatch_duration_seconds';
/** Node side: job_result read → routed to the session side (job-transition + inbox publish). */
const RESULT_METRIC = 'lingua_job_result_duration_seconds';

export async function runClusterScenario(flags: Flags): Promise<BenchReport> {
  const rate = intFlag(flags, 'rate', 3_000);
  const seconds = intFlag(flags, 'seconds', 10);
  const warmupSeconds = intFlag(flags, 'warmup-seconds', 3);
  const sessionCount = intFlag(flags, 'sessions', 200);
  const nodeCount = intFlag(flags, 'nodes', 10);
  // Enough slots that capacity never refuses a job: this measures the path, not the queueing.
  const maxJobs = Math.max(4, Math.ceil((sessionCount * 2) / nodeCount));
  const say = (line: string): void => void process.stderr.write(`[cluster] ${line}\n`);

  const redisServer = flags['redis-url'] ? undefined : await startRedisServer();
  const redisUrl = flags['redis-url'] ?? (redisServer?.url as string);
  const redis = new Redis(redisUrl, { protocol: 2 });
  const gateways: GatewayHandle[] = [];
  let fleet: NodeFleetProcess | undefined;
  const sessions: SimSession[] = [];
  const book: TimesBook = new Map();
  try {
    const env = {
      LINGUA_REDIS_URL: redisUrl,
      LINGUA_KEY_PREFIX: uniquePrefix('bench_cluster'),
      LINGUA_HOST: '127.0.0.1',
      LINGUA_LOG_LEVEL: 'warn',
      // The cut happens as the final frame is read, so dispatch is measured from the cut.
      LINGUA_FINAL_GRACE_MS: '0',
      // Nothing periodic in the measured window but presence ticks and inbox probes.
      LINGUA_SWEEP_INTERVAL_MS: '3600000',
      LINGUA_RATE_LIMIT_PER_S: '100000',
      LINGUA_RATE_LIMIT_BURST: '100000',
      // The gateway caps what a node asks for at this; the nodes below ask for maxJobs.
      LINGUA_NODE_MAX_JOBS: String(maxJobs),
      // Every simulated node and session connects from this one machine.
      LINGUA_MAX_CONNECTIONS_PER_IP: '0',
      LINGUA_MAX_SESSIONS_PER_SUBJECT: '0',
    };
    say(`starting two gateways on ${redisUrl}`);
    const [sessionSide, nodeSide] = await Promise.all(
      ['bench-sessions', 'bench-nodes'].map((name) =>
        startGateway({ name, env, readyTimeoutMs: 60_000, stopTimeoutMs: 30_000 }),
      ),
    );
    gateways.push(sessionSide as GatewayHandle, nodeSide as GatewayHandle);
    const s = sessionSide as GatewayHandle;
    const n = nodeSide as GatewayHandle;

    // The session simulator steps aside as in the other scenarios (SCHED_IDLE unless `--client-sched`); the nodes
    // stamp in their own process at normal priority. Side by side (3 pairs), an idle simulator gave dispatch p99
    // 9.9 / 10.2 / 13.1 ms against 23 / 14 / 13.8 at normal priority. Anything that delays the simulator still
    // counts against the gateways: it stamps before it sends and as it reads.
    const clientSched = stepAsideForServers(flags);
    say(`simulator priority: ${clientSched}`);
    say(`${nodeCount} nodes on ${n.name}, ${sessionCount} sessions on ${s.name}`);
    fleet = await NodeFleetProcess.start(n.wsUrl('/ws/node'), nodeCount, maxJobs);
    await poll(
      async () => {
        const body = (await (
          await fetch(`${s.adminUrl}/api/v1/lang-index`, { headers: kitAdminHeaders() })
        ).json()) as {
          sources?: Record<string, string[]>;
        };
        return (body.sources?.['zh']?.length ?? 0) > 0;
      },
      { what: 'the language index lists the nodes', timeoutMs: 10_000 },
    );
    for (let i = 0; i < sessionCount; i += 50) {
      const batch = Math.min(50, sessionCount - i);
      sessions.push(
        ...(await Promise.all(
          Array.from({ length: batch }, () => SimSession.start(s.wsUrl('/ws/session'), book)),
        )),
      );
    }

    say(`warm-up: ${rate}/s for ${warmupSeconds} s`);
    await driveOpenLoop(sessions, rate, warmupSeconds * 1_000, 'warm-up', 'cluster');
    await Promise.all(sessions.map((x) => x.idle()));
    const warmKeys = new Set(book.keys());

    say(`measuring: ${rate}/s for ${seconds} s`);
    const scrape = async (g: GatewayHandle, metric: string): Promise<Buckets> =>
      parseHistogram(await (await fetch(`${g.adminUrl}/metrics`)).text(), metric);
    const dispatchBefore = await scrape(s, DISPATCH_METRIC);
    const resultBefore = await scrape(n, RESULT_METRIC);
    const stats = await startCommandStats(redis);
    const redisPid = redisServer?.pid;
    const cpuBefore = [cpuMs(s.pid), cpuMs(n.pid), redisPid === undefined ? Number.NaN : cpuMs(redisPid)];
    const started = performance.now();
    const sent = await driveOpenLoop(sessions, rate, seconds * 1_000, 'measure', 'cluster');
    await Promise.race([Promise.all(sessions.map((x) => x.idle())), delay(10_000)]);
    const elapsedS = (performance.now() - started) / 1_000;
    const delta = await stats.delta();
    const cpuSessionSide = cpuMs(s.pid) - (cpuBefore[0] as number);
    const cpuNodeSide = cpuMs(n.pid) - (cpuBefore[1] as number);
    const cpuRedis = (redisPid === undefined ? Number.NaN : cpuMs(redisPid)) - (cpuBefore[2] as number);
    const dispatchGw = diffBuckets(dispatchBefore, await scrape(s, DISPATCH_METRIC));
    const resultGw = diffBuckets(resultBefore, await scrape(n, RESULT_METRIC));

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
    const all = [...book.values()].filter((t) => t.finalSent !== undefined);
    const lost = all.filter((t) => t.resolvedAt === undefined).length;
    const missing = all.filter((t) => t.resolution === 'missing').length;
    const duplicated = all.reduce((sum, t) => sum + (t.extra ?? 0), 0);
    const [dP50, dP99] = percentiles(dispatchMs, [50, 99]) as [number, number];
    const [rP50, rP99] = percentiles(resultMs, [50, 99]) as [number, number];
    const jobsPerS = jobs / elapsedS;

    for (const x of sessions) x.close();
    sessions.length = 0;
    await fleet.close();
    fleet = undefined;
    await Promise.all(gateways.splice(0).map((g) => g.stop().catch(() => undefined)));

    // The relays' servers are forked from here: back to normal priority so they do not inherit the step-aside.
    normalPriority();
    const messageBytes = assignEnvelopeBytes();
    const peerRate = Math.max(1, Math.round(jobsPerS));
    say(`socket.io relay peer: ${peerRate}/s × ${messageBytes} B for ${seconds} s`);
    const peer = await measureSocketIoRelay({
      redisUrl,
      ratePerS: peerRate,
      durationMs: seconds * 1_000,
      messageBytes,
    });

    say(`inbox relay (our transport alone): ${peerRate}/s × ${messageBytes} B for ${seconds} s`);
    const inboxRelay = await measureInboxRelay({
      redisUrl,
      ratePerS: peerRate,
      durationMs: seconds * 1_000,
      messageBytes,
    });

    const figures: Figures = {
      sessions: sessionCount,
      nodes: nodeCount,
      target_rate_per_s: rate,
      jobs_per_s: jobsPerS,
      dispatch_p50_ms: dP50,
      dispatch_p99_ms: dP99,
      result_p50_ms: rP50,
      result_p99_ms: rP99,
      dispatch_gateway_p99_ms: histogramQuantile(dispatchGw, 0.99) * 1_000,
      result_gateway_p99_ms: histogramQuantile(resultGw, 0.99) * 1_000,
      peer_socketio_rate_per_s: peer.rate_per_s,
      peer_socketio_message_bytes: messageBytes,
      peer_socketio_p50_ms: peer.p50_ms,
      peer_socketio_p99_ms: peer.p99_ms,
      peer_socketio_lost: peer.lost,
      ratio_p99_vs_socketio: ratio(Math.max(dP99, rP99), peer.p99_ms),
      inbox_relay_p50_ms: inboxRelay.p50_ms,
      inbox_relay_p99_ms: inboxRelay.p99_ms,
      inbox_relay_lost: inboxRelay.lost,
      ratio_transport_p99_vs_socketio: ratio(inboxRelay.p99_ms, peer.p99_ms),
      cpu_ms_per_job_session_side: cpuSessionSide / jobs,
      cpu_ms_per_job_node_side: cpuNodeSide / jobs,
      cpu_ms_per_job_redis: cpuRedis / jobs,
      redis_scripts_per_job: countScriptCalls(delta) / jobs,
      redis_cmds_per_job: countCalls(delta) / jobs,
      utterances_sent: sent,
      lost,
      missing,
      duplicated,
    };
    const report = buildReport('cluster', figures, {
      ...(await collectEnv(redis)),
      client_sched: clientSched,
    });
    printFigures(
      report.figures,
      `cluster: ${sessionCount} sessions on one gateway × ${nodeCount} nodes on another, loopback Redis, ${rate}/s; ` +
        `socket.io relay at the rate reached`,
    );
    return report;
  } finally {
    for (const x of sessions) x.close();
    await fleet?.close();
    await Promise.all(gateways.map((g) => g.stop().catch(() => undefined)));
    redis.disconnect();
    await redisServer?.stop();
  }
}

/**
 * CPU time (user + system) a process has used, in ms, from /proc (Linux); NaN elsewhere. Per job it shows the
 * gateways' cost independently of what else shares the machine.
 */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); after the command they are at 11 and 12 (0-based).
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Size of the inbox payload that carries a job_assign of the simulated sessions' audio (≈ 240 ms Opus). */
function assignEnvelopeBytes(): number {
  const audio = Buffer.alloc(12 * 42, 7).toString('base64');
  const assign = {
    type: 'job_assign',
    job_id: 'j-00000000-0000-0000-0000-000000000000',
    attempt_id: 1,
    session_id: 's-00000000-0000-0000-0000-000000000000',
    utterance_index: 100,
    src_lang: 'zh',
    tgt_lang: 'en',
    pipeline: { use_asr: true, use_nmt: true, use_tts: true },
    audio,
    audio_format: 'opus',
    sample_rate: 16_000,
    mode: 'one_way',
    trace_id: '00000000-0000-0000-0000-000000000000',
    is_manual_cut: true,
    turn_id: 't-00000000-0000-0000-0000-000000000000',
    padding_ms: 280,
  };
  const envelope = {
    t: 'node',
    from: 'bench-sessions',
    node: 'node-0000000000000000',
    epoch: 1,
    frame: assign,
  };
  return Buffer.byteLength(`m${JSON.stringify(envelope)}`);
}
