/**
 * Test support for the SDK system tests: real gateway processes (from source, via the test kit) on one of the
 * kit's Redis targets under a fresh key prefix, simulated node agents and session clients pointed at them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHUNK_MS,
  SessionClient,
  TARGET_SAMPLE_RATE,
  chunkUtterance,
  generateSpeechLike,
  type SessionClientOptions,
} from '@lingua/client';
import {
  NodeAgent,
  createFakeInference,
  simProfile,
  type JobHandler,
  type NodeAgentOptions,
} from '@lingua/node-agent';
import { redisEnv, startGateway, uniquePrefix, type GatewayHandle, type RedisTarget } from '@lingua/testkit';

export const HEARTBEAT_MS = 1_000;
export const LANGUAGES = ['en', 'zh'];

/** One isolated deployment (key prefix) on a Redis target; gateways started here share it. */
export class TestStack {
  readonly keyPrefix = uniquePrefix('sdk');
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  constructor(private readonly target: RedisTarget) {}

  /** A gateway process; `port` reuses an address (a restart), `env` adds or overrides LINGUA_* variables. */
  async gateway(name: string, env: Record<string, string> = {}, port?: number): Promise<GatewayHandle> {
    const gw = await startGateway({
      name,
      env: {
        ...redisEnv(this.target),
        LINGUA_HOST: '127.0.0.1',
        LINGUA_KEY_PREFIX: this.keyPrefix,
        LINGUA_LOG_LEVEL: 'warn',
        LINGUA_NODE_READY_HEARTBEATS: '1',
        LINGUA_NODE_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
        // Generous: a loaded CI machine can delay a heartbeat past 3 intervals; no test here waits for expiry.
        LINGUA_NODE_LIVENESS_TTL_MS: '15000',
        LINGUA_FINAL_GRACE_MS: '50',
        LINGUA_INSTANCE_TICK_MS: '500',
        LINGUA_INBOX_PROBE_MS: '500',
        // Hundreds of simulated peers from this one machine, with one credential per CLI run.
        LINGUA_MAX_CONNECTIONS_PER_IP: '0',
        LINGUA_MAX_SESSIONS_PER_SUBJECT: '0',
        ...(port === undefined ? {} : { LINGUA_PORT: String(port) }),
        ...env,
      },
      stopTimeoutMs: 10_000,
    });
    this.cleanups.push(() => gw.kill9());
    return gw;
  }

  /** A simulated node (the simulator's profile) with the given handler, fake inference by default. */
  node(url: string, opts: Partial<NodeAgentOptions> & { handler?: JobHandler | JobHandler['handle'] } = {}) {
    const agent = new NodeAgent({
      url,
      profile: simProfile({ asrLanguages: LANGUAGES, targetLanguages: LANGUAGES }),
      handler:
        opts.handler ??
        createFakeInference({
          latency: { minMs: 20, maxMs: 40 },
          failureRate: 0,
          tts: false,
          random: Math.random,
        }),
      heartbeatIntervalMs: HEARTBEAT_MS,
      backoff: { initialMs: 100, maxMs: 500 },
      drainOnSigterm: false,
      ...opts,
    });
    this.cleanups.push(() => agent.stop());
    return agent;
  }

  client(url: string, opts: Partial<SessionClientOptions> = {}): SessionClient {
    const client = new SessionClient({
      url,
      srcLang: 'en',
      tgtLang: 'zh',
      backoff: { initialMs: 100, maxMs: 500 },
      ...opts,
    });
    this.cleanups.push(() => client.close());
    return client;
  }

  async stop(): Promise<void> {
    for (const c of this.cleanups.reverse()) await c().catch(() => undefined);
    this.cleanups.length = 0;
  }
}

/** A fresh directory for identity files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lingua-sdk-'));
}

/** Streams `durationMs` of speech-like audio in 256 ms chunks (twice real time) and ends the utterance. */
export async function speak(client: SessionClient, durationMs = 600, seed = 1): Promise<void> {
  const speech = generateSpeechLike({ durationMs, seed });
  for (const chunk of chunkUtterance(speech, { format: 'pcm16', sampleRate: TARGET_SAMPLE_RATE })) {
    client.sendAudio(chunk);
    await new Promise((resolve) => setTimeout(resolve, CHUNK_MS / 2));
  }
  client.finalize();
}

/** Resolves with the first event of `emitter` that satisfies `match`, or rejects after `timeoutMs`. */
export function nextEvent<T>(
  emitter: {
    on(event: string, fn: (v: T) => void): unknown;
    off(event: string, fn: (v: T) => void): unknown;
  },
  event: string,
  match: (v: T) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no matching '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (v: T) => {
      if (!match(v)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(v);
    };
    emitter.on(event, on);
  });
}

/** `promise`, or a rejection naming `what` after `timeoutMs`: no test waits forever on a missing event. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
