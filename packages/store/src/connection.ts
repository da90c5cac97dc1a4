import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { StoreError } from './errors.js';
import { fatalSetupError, redactRedisUrl, scrubCredentials } from './connection-secrets.js';

export { redactRedisUrl } from './connection-secrets.js';

/**
 * One factory for every Redis connection of the system, so standalone and Cluster differ in exactly one place.
 *
 * Choices (see README.md "Connections"):
 * - `protocol: 2`: ioredis 6 defaults to RESP3. RESP2 keeps the wire the one BullMQ and ioredis 5 were built on,
 *   gives one reply shape for scripts and plain commands, and lets a subscriber connection use classic
 *   (S)SUBSCRIBE mode. Nothing here needs RESP3 push/map types.
 * - `enableOfflineQueue: true`: commands issued before the first `ready` (and during a short reconnect) wait
 *   instead of failing; a Cluster client cannot even route a command before it has the slot map.
 *   `maxRetriesPerRequest` bounds that wait, so a real outage surfaces as an error within a few hundred ms rather
 *   than requests piling up behind a dead socket (a real-time scheduler would rather fail over than queue).
 * - Cluster clients use `shardedSubscribers: true`: required for SSUBSCRIBE/SPUBLISH on ioredis 6.
 * - Re-sending is ioredis' default and stays the default here for now: a command written but not answered
 *   when the connection drops is sent again after the reconnect (standalone: `autoResendUnfulfilledCommands`;
 *   Cluster: a command that fails with "Connection is closed" is retried after `retryDelayOnFailover`). For a
 *   script that is not idempotent that can mean running it twice. `resendUnfulfilled: false` turns both off,
 *   and `commandTimeoutMs` bounds how long a caller waits for a reply that may never come; the caller then
 *   learns "unknown outcome" and must decide itself, e.g. by reading state or retrying an idempotent script.
 * - Credentials and TLS apply to every connection the factory makes: the standalone client, every node
 *   connection of a Cluster (sharded subscribers and the slot refresher included) and every `duplicate()`.
 *   The password never appears in an error or event the factory hands out (ioredis attaches the failed
 *   AUTH/HELLO command, arguments included, to the reply error; those arguments are masked).
 */
export interface RedisConnectionOptions {
  /**
   * Standalone: `redis[s]://[[user]:password@]host:port[/db]`; `rediss://` means TLS. Ignored when
   * `clusterNodes` is non-empty.
   */
  url?: string;
  /** Cluster seed nodes as `host:port`. */
  clusterNodes?: string[];
  /** CLIENT SETNAME, visible in CLIENT LIST: which part of which instance holds the connection. */
  name?: string;
  /** Do not connect until `ready()` or the first command. */
  lazyConnect?: boolean;
  /** Reconnect attempts a queued command survives before failing; `null` = wait forever (subscribers). */
  maxRetriesPerRequest?: number | null;
  /** Receives connection-level errors (otherwise ioredis prints them). */
  onError?: (err: Error) => void;
  /**
   * Rejects a command with "Command timed out" when no reply came within this many ms (ioredis
   * `commandTimeout`; the clock starts when the command is issued, offline-queue time included). Unset: wait
   * as long as the connection lives. Blocking commands and subscriber connections should not set it.
   */
  commandTimeoutMs?: number;
  /**
   * Whether a command that was written but not answered when the connection dropped is sent again after the
   * reconnect (the server may already have run it). Default `true` (ioredis' behaviour). `false`: it is
   * rejected instead; on a Cluster this also stops the retry of commands failing with "Connection is closed",
   * which then reach the caller at once (including ones that never left the client).
   */
  resendUnfulfilled?: boolean;
  /**
   * Cluster only: announced node address (`host:port`, as in CLUSTER SLOTS and MOVED) → the address to dial,
   * for nodes reachable only through a proxy or NAT. Seeds in `clusterNodes` are dialled as given.
   */
  natMap?: Record<string, { host: string; port: number }>;
  /** ACL user (Redis 6+). Wins over a user in `url`. Without it, AUTH uses the `default` user. */
  username?: string;
  /** Wins over a password in `url`. */
  password?: string;
  /** TLS on every connection. Set, or implied by a `rediss://` URL (then with the system's trusted CAs). */
  tls?: RedisTlsOptions;
}

export interface RedisTlsOptions {
  /** PEM bundle of the CA(s) that signed the servers' certificates; the system's trusted CAs when unset. */
  ca?: string;
  /**
   * The name the server certificate must carry (and the SNI sent), when it differs from the address dialled,
   * e.g. Cluster nodes announced by IP with a certificate for a DNS name.
   */
  servername?: string;
}

/** What a `duplicate()` may set differently from the connection it copies. */
export type RedisDuplicateOverrides = Pick<
  RedisConnectionOptions,
  'maxRetriesPerRequest' | 'commandTimeoutMs'
>;

export interface RedisConnection {
  readonly client: Redis | Cluster;
  readonly isCluster: boolean;
  readonly name: string;
  /**
   * A new, independent connection to the same deployment with the same credentials and TLS (e.g. for
   * subscribing or blocking commands).
   */
  duplicate(name?: string, overrides?: RedisDuplicateOverrides): RedisConnection;
  /**
   * Resolves once commands can be sent (connects a lazy client). Rejects at once with `AUTH` when Redis refuses
   * the credentials and with `TLS` when the server's certificate is not trusted (retrying would not help);
   * otherwise with `CONNECTION` after `timeoutMs`, naming the last connection error.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Graceful QUIT; falls back to a hard disconnect when the socket is already gone. */
  quit(): Promise<void>;
}

const DEFAULT_MAX_RETRIES_PER_REQUEST = 3;
const CONNECT_TIMEOUT_MS = 5_000;

/** Exponential backoff with jitter, capped at 2 s: a restarted Redis is retried quickly, a dead one is not hammered. */
export function reconnectDelayMs(attempt: number): number {
  const base = Math.min(50 * 2 ** Math.min(attempt, 6), 2_000);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export function parseHostPort(spec: string): { host: string; port: number } {
  const at = spec.lastIndexOf(':');
  const host = at > 0 ? spec.slice(0, at) : '';
  const port = Number(spec.slice(at + 1));
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new StoreError('INVALID_ARGUMENT', `cluster node must be host:port, got "${spec}"`);
  }
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

export function createRedis(opts: RedisConnectionOptions): RedisConnection {
  const name = opts.name ?? 'lingua';
  const maxRetriesPerRequest =
    opts.maxRetriesPerRequest === undefined ? DEFAULT_MAX_RETRIES_PER_REQUEST : opts.maxRetriesPerRequest;
  const isCluster = (opts.clusterNodes?.length ?? 0) > 0;
  const resend = opts.resendUnfulfilled ?? true;
  const standalone = isCluster ? undefined : standaloneEndpoint(opts.url ?? 'redis://127.0.0.1:6379');
  const username = opts.username ?? standalone?.username;
  const password = opts.password ?? standalone?.password;
  // Per-connection options shared by a standalone client and every node connection of a Cluster.
  const wire = {
    protocol: 2 as const,
    connectionName: name,
    maxRetriesPerRequest,
    connectTimeout: CONNECT_TIMEOUT_MS,
    keepAlive: 10_000,
    autoResendUnfulfilledCommands: resend,
    ...(opts.commandTimeoutMs === undefined ? {} : { commandTimeout: opts.commandTimeoutMs }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(opts.tls ? { tls: tlsOptions(opts.tls) } : {}),
  };
  let client: Redis | Cluster;
  let probeSeed: (() => Promise<unknown>) | undefined;

  if (isCluster) {
    const seeds = (opts.clusterNodes ?? []).map(parseHostPort);
    probeSeed = () => firstConnectError(seeds[0], wire);
    client = new Cluster(seeds, {
      shardedSubscribers: true,
      enableOfflineQueue: true,
      lazyConnect: opts.lazyConnect ?? false,
      scaleReads: 'master',
      clusterRetryStrategy: reconnectDelayMs,
      // Failover and resharding surface as MOVED/TRYAGAIN/CLUSTERDOWN; short delays ride through them.
      // retryDelayOnFailover is also what re-sends a command whose node connection closed before the reply
      // (ioredis sends it again when the delay is > 0), so it is 0 when re-sending is off.
      retryDelayOnFailover: resend ? 200 : 0,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 100,
      ...(opts.natMap ? { natMap: opts.natMap } : {}),
      // With TLS, seed host names are dialled as given instead of being resolved to IPs first, so that the
      // certificate check sees the name the certificate was issued for.
      ...(opts.tls ? { dnsLookup: keepHostName } : {}),
      redisOptions: wire,
    });
    // Node errors carry the failed AUTH/HELLO command too; mask it before anyone else sees the error.
    client.on('node error', scrubCredentials);
  } else {
    client = new Redis(standalone?.url ?? 'redis://127.0.0.1:6379', {
      ...wire,
      lazyConnect: opts.lazyConnect ?? false,
      enableOfflineQueue: true,
      retryStrategy: reconnectDelayMs,
    });
  }
  const onError = opts.onError ?? printUnhandled;
  client.on('error', (err: Error) => {
    scrubCredentials(err);
    onError(err);
  });

  return {
    client,
    isCluster,
    name,
    duplicate: (dupName?: string, overrides: RedisDuplicateOverrides = {}) =>
      createRedis({ ...opts, ...overrides, name: dupName ?? `${name}-dup` }),
    ready: (timeoutMs = 10_000) => whenReady(client, name, timeoutMs, probeSeed),
    quit: async () => {
      if (client.status === 'end') return;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/**
 * The standalone URL split into what ioredis dials (credentials removed) and the credentials, so that explicit
 * `username`/`password` options can win over the URL's (ioredis itself lets the URL win).
 */
function standaloneEndpoint(raw: string): { url: string; username?: string; password?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Node's own error would carry the whole input, password included.
    throw new StoreError(
      'INVALID_ARGUMENT',
      `Redis URL must look like redis://host:port, got "${redactRedisUrl(raw)}"`,
    );
  }
  if (url.username === '' && url.password === '') return { url: raw };
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = url.username === '' ? undefined : decodeURIComponent(url.username);
    password = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    throw new StoreError('INVALID_ARGUMENT', 'Redis URL holds a badly %-encoded user or password');
  }
  url.username = '';
  url.password = '';
  return {
    url: url.toString(),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

function tlsOptions(tls: RedisTlsOptions): { ca?: string; servername?: string } {
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
  };
}

const keepHostName: NonNullable<ClusterOptions['dnsLookup']> = (address, callback) => callback(null, address);

/** What ioredis prints for an error nobody listens to (its own print is lost once the factory listens). */
function printUnhandled(err: Error): void {
  console.error('[ioredis] Unhandled error event:', err.stack ?? err.message);
}

/**
 * Connects once to `seed` with the Cluster's per-node options and returns the error it fails with (undefined
 * when it gets in). A Cluster hides why its slot refresh failed when the TLS handshake is what failed (the
 * refresh connection swallows the error; only "Connection is closed" comes out), so `ready()` asks a seed.
 */
async function firstConnectError(
  seed: { host: string; port: number } | undefined,
  wire: Record<string, unknown>,
): Promise<unknown> {
  if (seed === undefined) return undefined;
  const probe = new Redis({
    ...wire,
    ...seed,
    connectionName: `${String(wire.connectionName)}-probe`,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let failure: unknown;
  probe.on('error', (err: unknown) => {
    scrubCredentials(err);
    failure ??= err;
  });
  try {
    await probe.connect();
  } catch (err) {
    scrubCredentials(err);
    failure ??= err;
  } finally {
    probe.disconnect();
  }
  return failure;
}

function whenReady(
  client: Redis | Cluster,
  name: string,
  timeoutMs: number,
  probeSeed?: () => Promise<unknown>,
): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let lastError: string | undefined;
    let probing = false;
    let settled = false;
    const timer = setTimeout(() => {
      cleanup();
      const last = lastError === undefined ? '' : ` (last error: ${lastError})`;
      reject(new StoreError('CONNECTION', `${name}: Redis not ready after ${timeoutMs} ms${last}`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new StoreError('CONNECTION', `${name}: connection ended before it was ready`));
    };
    const onError = (err: unknown): void => {
      const message = firstLine(err);
      lastError = message;
      const fatal = fatalSetupError(err);
      if (fatal !== undefined) {
        fail(fatal, message);
      } else if (probeSeed !== undefined && !probing && message.startsWith('Failed to refresh slots cache')) {
        // Once per ready(): a Cluster that could not read its slot map asks a seed directly why.
        probing = true;
        void probeSeed().then((found) => {
          const kind = fatalSetupError(found);
          if (kind !== undefined) fail(kind, firstLine(found));
        });
      }
    };
    const fail = (kind: 'AUTH' | 'TLS', message: string): void => {
      if (settled) return;
      cleanup();
      const what = kind === 'AUTH' ? 'Redis refused the credentials' : 'TLS handshake with Redis failed';
      // The message only: the original error of a failed AUTH carries the command it failed on.
      reject(new StoreError(kind, `${name}: ${what}: ${message}`));
    };
    const cleanup = (): void => {
      settled = true;
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      client.off('error', onError);
      client.off('node error', onError);
    };
    client.on('ready', onReady);
    client.on('end', onEnd);
    client.on('error', onError);
    // A Cluster reports what went wrong on each node here; its own 'error' only says the refresh failed.
    client.on('node error', onError);
    if (client.status === 'wait') {
      // A failed first connect is retried by the retry strategy; the timeout above reports it.
      client.connect().catch(() => undefined);
    }
  });
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

/**
 * Runs `fn` on every master: standalone → the one server; Cluster → each master node's connection.
 * Used for what is per-server rather than per-key: SCRIPT LOAD/FLUSH, INFO commandstats, FLUSHALL in tests.
 */
export async function forEachMaster<T>(conn: RedisConnection, fn: (node: Redis) => Promise<T>): Promise<T[]> {
  await conn.ready();
  const client = conn.client;
  if (client instanceof Cluster) {
    const masters = client.nodes('master');
    if (masters.length === 0) throw new StoreError('CONNECTION', `${conn.name}: Cluster has no known master`);
    return Promise.all(masters.map(fn));
  }
  return [await fn(client)];
}
