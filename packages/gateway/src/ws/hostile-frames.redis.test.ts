/**
 * Hostile frames against a live gateway (in this process, real Redis): thousands of generated malformed frames
 * per socket phase — `/ws/node` before and after `node_register`, `/ws/session` before and after `session_init` —
 * sent pipelined in batches, each batch ended by a sentinel frame whose `error` reply says everything before it
 * was handled. Throughout, the gateway must:
 * - stay up and ready (`/readyz` 200; an uncaught exception or unhandled rejection fails the run) and log no error;
 * - answer every frame the decoder refuses with an `error` carrying a SCREAMING_SNAKE `code` and, for schema
 *   violations, the decoder's `details.path`, in order; never answer with anything a socket in that state cannot
 *   get (e.g. a register ack for a frame that was not a valid registration);
 * - close a socket only with a documented code (1007 invalid UTF-8, 1009 too big, its own 4xxx, 1000 after
 *   session_close); the fuzzer reconnects and carries on;
 * - keep RSS bounded, keep serving a well-behaved session + node pair (every translation exactly once), and leave
 *   in Redis only the nodes and sessions that valid frames created.
 *
 * Reproducible: FUZZ_SEED (default fixed) seeds every batch; a failure names the seed (and phase and batch).
 * FUZZ_FRAMES sets the frames per phase: 5,000 by default, i.e. 10,000 per endpoint and topology.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import fc from 'fast-check';
import { Cluster } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDecoders } from '@lingua/protocol';
import { listOwned } from '@lingua/store';
import {
  createRedisClient,
  forEachTopology,
  poll,
  registerFrame,
  ScriptedNode,
  TestClient,
  utteranceFrame,
} from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';
import { frameWire, hostileFrame, type PlantedIds } from '../testing/hostile-frames.js';
import { FuzzSocket, type Reply } from '../testing/fuzz-socket.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2025);
const FRAMES_PER_PHASE = Number(process.env.FUZZ_FRAMES ?? 5_000);
const BATCH = 250;
const MAX_FRAME = 65_536;
const MAX_TEXT = 8_192;
const REPLY_TIMEOUT_MS = 15_000;
const MiB = 1024 * 1024;
const RSS_GROWTH_BOUND = 256 * MiB;
const RSS_PEAK_BOUND = 1024 * MiB;

/** The well-behaved pair speaks a language pair no fuzz frame names, so no fuzzed node ever gets its jobs. */
const GOOD_LANGS = { src: 'qaa', tgt: 'qab' };

const decoders = createDecoders({ maxFrameBytes: MAX_FRAME, maxTextLength: MAX_TEXT, maxArrayItems: 256 });

type Endpoint = 'node' | 'session';

const OPEN_TYPE: Record<Endpoint, string> = { node: 'node_register', session: 'session_init' };
const ACK_TYPE: Record<Endpoint, string> = { node: 'node_register_ack', session: 'session_init_ack' };
/** What else a socket may be sent once registered / initialised. */
const LATER_TYPES: Record<Endpoint, ReadonlySet<string>> = {
  node: new Set(['node_status', 'job_assign', 'job_cancel', 'node_control']),
  session: new Set([
    'translation_result',
    'asr_partial',
    'missing_result',
    'ui_event',
    'server_heartbeat',
    'session_close_ack',
    'backpressure',
  ]),
};
/** Codes that mean the gateway failed itself or throttled us, never a right answer to a bad frame here. */
const FORBIDDEN_CODES = new Set(['INTERNAL_ERROR', 'SCHEDULER_DEPENDENCY_DOWN', 'RATE_LIMITED']);
const CLOSE_CODES: Record<Endpoint, ReadonlySet<number>> = {
  node: new Set([1007, 1009, 4000, 4001]),
  session: new Set([1000, 1007, 1009, 4001]),
};
const SCREAMING_SNAKE = /^[A-Z][A-Z0-9_]*$/;

/** A GC between RSS samples when the runtime allows exposing it; otherwise the bound is generous anyway. */
function collectGarbage(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g();
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

interface PhaseResult {
  sent: number;
  batches: number;
  reconnects: number;
  closes: Record<number, number>;
  errorCodes: Record<string, number>;
}

/**
 * Ids valid frames may have put into Redis: node ids named by a valid node_register or acknowledged to one (a
 * registration whose socket closed before its ack keeps its identity until expiry), session ids acknowledged.
 */
interface Created {
  nodes: Set<string>;
  sessions: Set<string>;
  /**
   * Sockets that sent a valid id-less node_register (or a session_init that creates a session) and closed
   * before its ack: each may have created one id it never learnt.
   */
  unlearnt: Record<Endpoint, number>;
}

class PhaseFailure extends Error {}

forEachTopology('hostile frames', (target) => {
  let gw: TestGateway;
  let goodNode: ScriptedNode;
  let good: TestClient;
  const errorLogs: unknown[] = [];
  const created: Created = { nodes: new Set(), sessions: new Set(), unlearnt: { node: 0, session: 0 } };
  const openSockets = new Set<FuzzSocket>();
  /** RSS after GC: when the pair is up, and once the first phase has warmed every cache and heap up. */
  let rssStart = 0;
  let rssBaseline = 0;
  let rssPeak = 0;
  let readyChecks = 0;
  let goodSent = 0;
  let stopGood = false;
  let goodLoop: Promise<void> | undefined;
  let goodFailure: unknown;
  let goodHeartbeats: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const logger = pino(
      { level: 'warn' },
      {
        write(line: string) {
          const entry = JSON.parse(line) as { level: number };
          if (entry.level >= 50) errorLogs.push(entry);
        },
      },
    );
    gw = await startTestGateway(
      target,
      {
        LINGUA_MAX_FRAME_BYTES: String(MAX_FRAME),
        LINGUA_MAX_TEXT_BYTES: String(MAX_TEXT),
        // The fuzz is about decoding, not the limiter.
        LINGUA_RATE_LIMIT_PER_S: '1000000000',
        LINGUA_RATE_LIMIT_BURST: '1000000000',
        LINGUA_RATE_LIMIT_BYTES_PER_S: '1000000000',
        LINGUA_RATE_LIMIT_BYTES_BURST: '1000000000',
        // Every fuzz socket comes from this machine, and reconnects many times.
        LINGUA_MAX_CONNECTIONS_PER_IP: '0',
        LINGUA_MAX_SESSIONS_PER_SUBJECT: '0',
        // A fuzz socket that goes away ends its session at once.
        LINGUA_SESSION_RESUME_GRACE_MS: '0',
      },
      { logger },
    );
    goodNode = await ScriptedNode.start(gw.wsUrl('/ws/node'), {
      register: {
        language_capabilities: {
          asr_languages: [GOOD_LANGS.src, GOOD_LANGS.tgt],
          semantic_languages: [GOOD_LANGS.src, GOOD_LANGS.tgt],
        },
      },
    });
    good = await TestClient.open(gw.wsUrl('/ws/session'), {
      src_lang: GOOD_LANGS.src,
      tgt_lang: GOOD_LANGS.tgt,
    });
    collectGarbage();
    rssStart = process.memoryUsage().rss;
    rssPeak = rssStart;
    // A well-behaved node heartbeats (else the sweep takes it out after LINGUA_NODE_LIVENESS_TTL_MS).
    goodHeartbeats = setInterval(() => goodNode.node.heartbeat(), 2_000);
    // One utterance at a time, each awaited, for as long as the fuzz runs.
    goodLoop = (async () => {
      while (!stopGood) {
        const index = goodSent++;
        good.send({
          ...utteranceFrame(good.sessionId, index),
          src_lang: GOOD_LANGS.src,
          tgt_lang: GOOD_LANGS.tgt,
        });
        await good.until(() => good.resolutions.has(index), 20_000, `good utterance ${index} resolved`);
      }
    })().catch((err: unknown) => {
      goodFailure = err;
    });
  });

  afterAll(async () => {
    stopGood = true;
    clearInterval(goodHeartbeats);
    await goodLoop?.catch(() => undefined);
    await Promise.all([...openSockets].map((s) => s.close()));
    await good?.close();
    await goodNode?.close();
    await gw?.stop();
  });

  /** RSS sample; `/readyz` every few batches. */
  async function observe(batch: number): Promise<void> {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (batch % 5 !== 0) return;
    const res = await fetch(gw.httpUrl('/readyz'));
    await res.body?.cancel();
    readyChecks++;
    if (res.status !== 200) throw new PhaseFailure(`/readyz answered ${res.status}`);
  }

  async function fuzz(endpoint: Endpoint, established: boolean, seed: number): Promise<PhaseResult> {
    const decode = endpoint === 'node' ? decoders.decodeNodeFrame : decoders.decodeSessionFrame;
    const result: PhaseResult = { sent: 0, batches: 0, reconnects: 0, closes: {}, errorCodes: {} };
    let sock: FuzzSocket;
    let ids: PlantedIds = {};
    let checked = 0;
    /** Valid open frames sent on this socket (node ids they name; '' for an id-less register). */
    let opens: string[] = [];
    let ackedHere = false;
    let batch = 0;

    const fail = (msg: string, reply?: Reply): PhaseFailure => {
      return new PhaseFailure(
        `${msg}${reply ? `; reply: ${reply.text.slice(0, 300)}` : ''}` +
          ` [FUZZ_SEED=${SEED} ${endpoint} ${established ? 'after' : 'before'} ${OPEN_TYPE[endpoint]}, batch ${batch}]`,
      );
    };

    /** Before a socket is dropped: an id-less registration it sent may have claimed an id it never learnt. */
    const retire = async (): Promise<void> => {
      if (opens.includes('') && !ackedHere) created.unlearnt[endpoint]++;
      await sock.close();
    };

    const connect = async (): Promise<void> => {
      sock = await FuzzSocket.open(gw.wsUrl(`/ws/${endpoint}`));
      openSockets.add(sock);
      const s = sock;
      void s.closed.then(() => openSockets.delete(s));
      ids = {};
      checked = 0;
      opens = [];
      ackedHere = false;
      if (!established) return;
      if (endpoint === 'node') {
        opens.push('');
        sock.sendJson(
          registerFrame({
            language_capabilities: { asr_languages: ['fza', 'fzb'], semantic_languages: ['fza', 'fzb'] },
          }),
        );
      } else {
        opens.push('');
        sock.sendJson({
          type: 'session_init',
          client_version: 'fuzz',
          platform: 'web',
          src_lang: 'zh',
          tgt_lang: 'en',
        });
      }
      await sock.until(() => sock.replies.length > 0, REPLY_TIMEOUT_MS, 'open ack');
      checkReplies();
      if (!ackedHere) throw fail(`the fuzz socket could not ${OPEN_TYPE[endpoint]}`, sock.replies[0]);
    };

    /** Every reply since the last check must be something this socket may be sent. */
    const checkReplies = (): void => {
      for (; checked < sock.replies.length; checked++) {
        const reply = sock.replies[checked] as Reply;
        const f = reply.frame;
        if (reply.binary || f === undefined || typeof f.type !== 'string')
          throw fail('reply is not a JSON text frame', reply);
        const type = f.type as string;
        if (type === 'error') {
          const code = f.code;
          if (typeof code !== 'string' || !SCREAMING_SNAKE.test(code))
            throw fail('error without a SCREAMING_SNAKE code', reply);
          if (typeof f.message !== 'string') throw fail('error without a message', reply);
          if (FORBIDDEN_CODES.has(code as string)) throw fail(`error ${String(code)}`, reply);
          result.errorCodes[code as string] = (result.errorCodes[code as string] ?? 0) + 1;
        } else if (type === ACK_TYPE[endpoint]) {
          if (ackedHere) throw fail('a second open ack on one socket', reply);
          if (opens.length === 0) throw fail(`${type} without a valid ${OPEN_TYPE[endpoint]}`, reply);
          ackedHere = true;
          if (endpoint === 'node') {
            const id = String(f.node_id);
            const named = opens.includes(id) || (opens.includes('') && /^node-[0-9a-f]{16}$/.test(id));
            if (!named)
              throw fail(
                `node registered as ${id}, which no valid node_register on this socket named`,
                reply,
              );
            created.nodes.add(id);
            ids = { node_id: id };
          } else {
            created.sessions.add(String(f.session_id));
            ids = { session_id: String(f.session_id) };
          }
        } else if (LATER_TYPES[endpoint].has(type)) {
          if (!ackedHere) throw fail(`${type} before ${ACK_TYPE[endpoint]}`, reply);
        } else throw fail(`unexpected reply type ${type}`, reply);
      }
    };

    await connect();
    while (result.sent < FRAMES_PER_PHASE) {
      batch++;
      result.batches++;
      const frames = fc.sample(hostileFrame(endpoint, MAX_FRAME), {
        seed: seed + batch * 7_919,
        numRuns: BATCH,
      });
      const from = sock!.replies.length;
      const expected: { code: string; path: string | undefined }[] = [];
      let closing: number | undefined;
      for (const frame of frames) {
        const wire = frameWire(frame, ids);
        const bytes = typeof wire.data === 'string' ? Buffer.byteLength(wire.data) : wire.data.byteLength;
        if (bytes > MAX_FRAME) closing = 1009;
        else if (frame.kind === 'badUtf8') closing = 1007;
        else if (wire.binary) expected.push({ code: 'INVALID_MESSAGE', path: undefined });
        else {
          const r = decode(wire.data as string);
          if (!r.ok) expected.push({ code: r.error.code, path: r.error.path });
          else if (r.msg.type === OPEN_TYPE[endpoint]) {
            // '' = the gateway picks the id (an id-less register, a session_init that is no resume)
            const named =
              r.msg.type === 'node_register'
                ? (r.msg.node_id ?? '')
                : r.msg.type === 'session_init' && r.msg.resume !== undefined
                  ? 'resume'
                  : '';
            opens.push(named);
            if (endpoint === 'node' && named !== '') created.nodes.add(named);
          }
        }
        sock!.send(wire);
        result.sent++;
        if (closing !== undefined) break;
      }
      const s = sock!;
      if (closing === undefined) {
        const sentinel = `fuzz_sentinel_${batch}`;
        s.sendJson({ type: sentinel });
        await s.until(
          () =>
            s.replies
              .slice(from)
              .some((r) => r.frame?.type === 'error' && String(r.frame.message).includes(sentinel)),
          REPLY_TIMEOUT_MS,
          `sentinel of batch ${batch}`,
        );
      } else {
        await s.until(() => false, REPLY_TIMEOUT_MS, `close ${closing} of batch ${batch}`);
      }
      checkReplies();
      const code = s.closeCode;
      if (code !== undefined) {
        result.closes[code] = (result.closes[code] ?? 0) + 1;
        if (!CLOSE_CODES[endpoint].has(code)) throw fail(`socket closed with undocumented code ${code}`);
        if (closing !== undefined && code !== closing && code < 4000 && code !== 1000) {
          throw fail(`expected close ${closing}, got ${code}`);
        }
      }
      // In order, the decoder's verdict on each refused frame — unless the gateway closed the socket first.
      if (code === undefined || code === closing) {
        const errors = s.replies.slice(from).filter((r) => r.frame?.type === 'error');
        let i = 0;
        for (const want of expected) {
          while (
            i < errors.length &&
            !(
              errors[i]?.frame?.code === want.code &&
              (want.path === undefined ||
                (errors[i]?.frame?.details as { path?: unknown } | undefined)?.path === want.path)
            )
          ) {
            i++;
          }
          if (i >= errors.length) {
            throw fail(
              `no error ${want.code} with details.path ${JSON.stringify(want.path)} (in order) for a refused frame`,
            );
          }
          i++;
        }
      }
      await observe(batch);
      // A closed socket, or one that a valid frame registered / initialised during a "before" phase, is replaced.
      if (code !== undefined || (!established && ackedHere)) {
        await retire();
        result.reconnects++;
        await connect();
      }
    }
    await retire();
    return result;
  }

  const phases: [Endpoint, boolean][] = [
    ['node', false],
    ['node', true],
    ['session', false],
    ['session', true],
  ];
  phases.forEach(([endpoint, established], n) => {
    it(`/ws/${endpoint} ${established ? 'after' : 'before'} ${OPEN_TYPE[endpoint]}: ${FRAMES_PER_PHASE} hostile frames`, async () => {
      const r = await fuzz(endpoint, established, SEED + n * 1_000_003).catch((err: unknown) => {
        if (err instanceof PhaseFailure) throw err;
        throw new Error(`${String(err)} [FUZZ_SEED=${SEED}]`, { cause: err });
      });
      expect(r.sent).toBeGreaterThanOrEqual(FRAMES_PER_PHASE);
      // The mix reached the decoder: refusals with paths, and a few deliberate closes.
      expect(r.errorCodes.INVALID_MESSAGE ?? 0).toBeGreaterThan(FRAMES_PER_PHASE / 2);
      expect((r.closes[1007] ?? 0) + (r.closes[1009] ?? 0)).toBeGreaterThan(0);
      expect(gw.phase()).toBe('ready');
      if (n === 0) {
        collectGarbage();
        rssBaseline = process.memoryUsage().rss;
      }
    }, 180_000);
  });

  it('the gateway is unharmed: bounded memory, the good pair served exactly once, no stray nodes or keys', async () => {
    stopGood = true;
    await goodLoop;
    expect(goodFailure).toBeUndefined();
    // Every good utterance resolved exactly once, by a translation, on the good node.
    expect(goodSent).toBeGreaterThan(10);
    for (let i = 0; i < goodSent; i++) {
      const got = good.resolutions.get(i) ?? [];
      expect(
        got.map((f) => f.type),
        `good utterance ${i}: ${JSON.stringify(got)}`,
      ).toEqual(['translation_result']);
      expect(got[0]?.text_translated).toBe(`tr ${i}`);
    }
    expect(good.all('error')).toEqual([]);
    expect(goodNode.assigns.length).toBe(goodSent);
    expect(goodNode.assigns.every((a) => a.session_id === good.sessionId)).toBe(true);
    expect(goodNode.cancels).toEqual([]);

    // Growth after the warm-up phase is what a leak would show; the peak (fuzzer and gateway share this process,
    // with up to a batch of 64 KiB frames in flight both ways) only has to stay sane.
    collectGarbage();
    const mib = (n: number): string => `${Math.round(n / MiB)} MiB`;
    const rss = process.memoryUsage().rss;
    const report = `RSS start ${mib(rssStart)}, warm ${mib(rssBaseline)}, end ${mib(rss)}, peak ${mib(rssPeak)}`;
    expect(rssBaseline, report).toBeGreaterThan(0);
    expect(rss - rssBaseline, report).toBeLessThan(RSS_GROWTH_BOUND);
    expect(rssPeak - rssStart, report).toBeLessThan(RSS_PEAK_BOUND);
    expect(readyChecks).toBeGreaterThan(0);
    expect(errorLogs).toEqual([]);

    // Once every fuzz socket is gone, only the good node is registered.
    await Promise.all([...openSockets].map((s) => s.close()));
    await poll(
      async () => {
        const { body } = await gw.getJson<{ nodes: { node_id: string }[] }>('/api/v1/nodes');
        return body.nodes.length === 1 && body.nodes[0]?.node_id === goodNode.nodeId;
      },
      { what: 'only the good node registered', timeoutMs: 10_000 },
    );
    // ... and this instance owns only the good pair: no fuzz session or node left on its takeover lists.
    const instanceKeys = gw.parts.keys.instance(gw.parts.instanceId);
    let owned = await listOwned(gw.parts.redis, instanceKeys);
    await poll(
      async () => {
        owned = await listOwned(gw.parts.redis, instanceKeys);
        return owned.sessions.length === 1 && owned.nodes.length === 1;
      },
      { what: 'only the good pair on the ownership lists', timeoutMs: 10_000 },
    ).catch(() => undefined);
    expect(owned).toEqual({ nodes: [goodNode.nodeId], sessions: [good.sessionId] });

    // Redis holds identities and sessions only for ids the gateway acknowledged, and every key one hash tag.
    const redis = createRedisClient(target);
    try {
      if (redis instanceof Cluster) await new Promise((resolve) => redis.once('ready', resolve));
      const prefix = gw.parts.config.keyPrefix;
      const masters = redis instanceof Cluster ? redis.nodes('master') : [redis];
      const keys = (await Promise.all(masters.map((m) => m.keys(`${prefix}:*`)))).flat();
      expect(keys.length).toBeGreaterThan(0);
      const unlearnt = new Set<string>();
      const unlearntSessions = new Set<string>();
      for (const key of keys) {
        expect(key.split('{').length, key).toBe(2);
        expect(key.split('}').length, key).toBe(2);
        const tag = /\{(n|s):([^}]*)\}/.exec(key);
        if (tag?.[1] === 'n' && tag[2] !== goodNode.nodeId && !created.nodes.has(tag[2] ?? '')) {
          expect(tag[2], key).toMatch(/^node-[0-9a-f]{16}$/);
          unlearnt.add(tag[2] ?? '');
        }
        if (tag?.[1] === 's' && tag[2] !== good.sessionId && !created.sessions.has(tag[2] ?? '')) {
          expect(tag[2], key).toMatch(/^s-[0-9a-f-]{36}$/);
          unlearntSessions.add(tag[2] ?? '');
        }
      }
      expect(unlearnt.size).toBeLessThanOrEqual(created.unlearnt.node);
      expect(unlearntSessions.size).toBeLessThanOrEqual(created.unlearnt.session);
    } finally {
      redis.disconnect();
    }
  });
});
