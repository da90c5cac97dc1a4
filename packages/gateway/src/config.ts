/**
 * The gateway's configuration: every `LINGUA_*` environment variable, parsed once into a frozen typed object.
 * Nothing else in the gateway reads `process.env`; tests build a config with `loadConfig({...})`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { loadAuthConfig, type AuthConfig } from './auth/auth-config.js';
import { ConfigError } from './config-error.js';
import { redactRedisUrl, type RedisConnectionOptions } from '@lingua/store';
import { Secret } from './secret.js';

export { Secret };
import { parseCidr, type Cidr } from './ws/client-address.js';
import { normalizeOrigin } from './ws/origin-allow-list.js';

export { ConfigError };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A GPU tier and the memory (GiB) of the node's largest GPU from which it applies. */
export interface GpuTierThreshold {
  readonly tier: string;
  readonly minGib: number;
}

/** TLS towards Redis (every connection, standalone and Cluster). */
export interface RedisTlsConfig {
  /** PEM bundle read from LINGUA_REDIS_TLS_CA_FILE; the system's trusted CAs when unset. */
  readonly ca: string | undefined;
  readonly caFile: string | undefined;
  /** The name the server certificate must carry when it differs from the address dialled. */
  readonly servername: string | undefined;
}

export interface GatewayConfig {
  /** The public port: `/ws/node`, `/ws/session`, `/healthz`, `/readyz`. */
  readonly port: number;
  readonly host: string;
  /** The operator port: `/metrics`, `/api/v1/*` (and the health endpoints). Never exposed to clients. */
  readonly adminPort: number;
  readonly adminHost: string;
  /** Who may open `/ws/node` and `/ws/session` sockets. */
  readonly auth: AuthConfig;
  /** Who may use the admin API (`/metrics` stays open on the admin port). */
  readonly adminAuth: AuthConfig;
  /** Standalone Redis, without credentials (those are in `redisUsername` / `redisPassword`). */
  readonly redisUrl: string;
  /** Cluster mode when non-empty. */
  readonly redisClusterNodes: readonly HostPort[];
  /** ACL user: LINGUA_REDIS_USERNAME, else the user in a standalone LINGUA_REDIS_URL. */
  readonly redisUsername: string | undefined;
  /** LINGUA_REDIS_PASSWORD or LINGUA_REDIS_PASSWORD_FILE, else the password in a standalone LINGUA_REDIS_URL. */
  readonly redisPassword: Secret | undefined;
  /** Set when LINGUA_REDIS_TLS is on (or, standalone, the URL is `rediss://`). */
  readonly redisTls: RedisTlsConfig | undefined;
  readonly instanceId: string;
  readonly keyPrefix: string;
  readonly region: string;
  readonly logLevel: LogLevel;
  readonly requireGpu: boolean;
  readonly nodeReadyHeartbeats: number;
  readonly nodeDegradeHeartbeats: number;
  readonly nodeHeartbeatIntervalMs: number;
  readonly nodeLivenessTtlMs: number;
  readonly wsPingIntervalMs: number;
  readonly poolShardSize: number;
  /** Slots of a node that does not say (`max_concurrent_jobs`), and the most any node gets. */
  readonly nodeMaxJobs: number;
  /** How long a node's identity (id, epoch, issued node token) outlives its last socket. */
  readonly nodeRetentionMs: number;
  /**
   * Most distinct language codes one node may declare over all its language fields and `lang_sets` groups; also
   * the most `lang_sets` groups and the most codes in one group. Bounds what a registration costs Redis.
   */
  readonly nodeMaxLanguages: number;
  /** Highest threshold first. */
  readonly gpuTierThresholds: readonly GpuTierThreshold[];
  readonly sweepIntervalMs: number;
  readonly pauseMs: number;
  readonly maxUtteranceMs: number;
  readonly maxAudioBufferBytes: number;
  readonly finalGraceMs: number;
  readonly jobTimeoutMs: number;
  readonly jobMaxAttempts: number;
  readonly resultGapMs: number;
  readonly maxFrameBytes: number;
  readonly maxTextBytes: number;
  readonly maxArrayItems: number;
  /** Free-form maps of a frame (`features`, `extra`, `details`, …): size as JSON in bytes, and top-level keys. */
  readonly maxMapBytes: number;
  readonly maxMapKeys: number;
  readonly rateLimitPerS: number;
  readonly rateLimitBurst: number;
  /** Inbound bytes per second per socket (frames charged by length before decoding). */
  readonly rateLimitBytesPerS: number;
  /** The separate budget of a node's `job_result` frames: frames and bytes per second (bursts twice that). */
  readonly nodeResultRatePerS: number;
  readonly nodeResultBytesPerS: number;
  /** Byte bucket size; at least `maxFrameBytes` so one legal frame always fits. */
  readonly rateLimitBytesBurst: number;
  /** How long a socket may stay open without `node_register` / `session_init`. */
  readonly initTimeoutMs: number;
  /** Peers whose `X-Forwarded-For` is believed (the load balancers). */
  readonly trustedProxies: readonly Cidr[];
  /** Open sockets per client address on this instance, both endpoints together (0 = unlimited). */
  readonly maxConnectionsPerIp: number;
  /** Sessions per token subject on this instance (0 = unlimited). */
  readonly maxSessionsPerSubject: number;
  /** Browser origins allowed on `/ws/session`; undefined = any. */
  readonly allowedOrigins: readonly string[] | undefined;
  readonly inboxProbeMs: number;
  readonly inboxRetentionMs: number;
  readonly instanceTickMs: number;
  /** How long a session whose socket dropped keeps its open jobs going for a resume (0 = cancel at once). */
  readonly sessionResumeGraceMs: number;
  readonly drainTimeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Ids end up inside Redis hash tags and log fields: keep them to a safe alphabet. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The admin API's authentication: the same key settings as the sockets', on unless `LINGUA_ADMIN_AUTH=off` — even
 * when `LINGUA_AUTH=off` opens the sockets, the operator surface stays closed unless it is opened by name.
 */
function loadAdminAuthConfig(env: Env): AuthConfig {
  const mode = env.LINGUA_ADMIN_AUTH?.trim().toLowerCase() || 'on';
  if (mode === 'off') return Object.freeze({ mode: 'off' });
  if (mode !== 'on') throw new ConfigError('LINGUA_ADMIN_AUTH', `must be on or off, got "${mode}"`);
  try {
    return loadAuthConfig({ ...env, LINGUA_AUTH: 'on' });
  } catch (err) {
    if (err instanceof ConfigError && err.variable === 'LINGUA_AUTH') {
      throw new ConfigError(
        'LINGUA_ADMIN_AUTH',
        'the admin API needs a verification key (LINGUA_AUTH_JWT_SECRET[_FILE] or LINGUA_AUTH_JWT_PUBLIC_KEY_FILE) ' +
          'for admin tokens, or LINGUA_ADMIN_AUTH=off set explicitly',
      );
    }
    throw err;
  }
}

/** Parses and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const read = reader(env);
  const nodeHeartbeatIntervalMs = read.int('LINGUA_NODE_HEARTBEAT_INTERVAL_MS', 15_000, 1);
  const nodeLivenessTtlMs = read.int('LINGUA_NODE_LIVENESS_TTL_MS', 45_000, 1);
  if (nodeLivenessTtlMs < 3 * nodeHeartbeatIntervalMs) {
    throw new ConfigError(
      'LINGUA_NODE_LIVENESS_TTL_MS',
      `must be at least 3 × LINGUA_NODE_HEARTBEAT_INTERVAL_MS (${3 * nodeHeartbeatIntervalMs}), got ${nodeLivenessTtlMs}`,
    );
  }
  const rateLimitPerS = read.int('LINGUA_RATE_LIMIT_PER_S', 100, 1);
  const rateLimitBurst = read.int('LINGUA_RATE_LIMIT_BURST', 200, 1);
  if (rateLimitBurst < rateLimitPerS) {
    throw new ConfigError(
      'LINGUA_RATE_LIMIT_BURST',
      `must be at least LINGUA_RATE_LIMIT_PER_S (${rateLimitPerS})`,
    );
  }
  const maxFrameBytes = read.int('LINGUA_MAX_FRAME_BYTES', 1_048_576, 1_024);
  const rateLimitBytesBurst = read.int('LINGUA_RATE_LIMIT_BYTES_BURST', 2 * maxFrameBytes, 1);
  if (rateLimitBytesBurst < maxFrameBytes) {
    throw new ConfigError(
      'LINGUA_RATE_LIMIT_BYTES_BURST',
      `must be at least LINGUA_MAX_FRAME_BYTES (${maxFrameBytes}) so that one legal frame always fits`,
    );
  }
  const port = read.int('LINGUA_PORT', 5010, 0, 65_535);
  const host = read.str('LINGUA_HOST', '0.0.0.0');
  const adminPort = read.int('LINGUA_ADMIN_PORT', 9090, 0, 65_535);
  if (adminPort !== 0 && adminPort === port) {
    throw new ConfigError('LINGUA_ADMIN_PORT', `must differ from LINGUA_PORT (${port})`);
  }
  const redisClusterNodes = read.hostPorts('LINGUA_REDIS_CLUSTER_NODES');
  const redis = redisSecurity(env, read, redisClusterNodes.length > 0);
  const config: GatewayConfig = {
    port,
    host,
    adminPort,
    adminHost: read.str('LINGUA_ADMIN_HOST', host),
    redisUrl: redis.url,
    redisClusterNodes,
    redisUsername: redis.username,
    redisPassword: redis.password,
    redisTls: redis.tls,
    instanceId: read.id('LINGUA_INSTANCE_ID', defaultInstanceId()),
    keyPrefix: read.id('LINGUA_KEY_PREFIX', 'lingua'),
    region: read.id('LINGUA_REGION', 'default'),
    logLevel: read.oneOf('LINGUA_LOG_LEVEL', 'info', LOG_LEVELS),
    requireGpu: read.bool('LINGUA_REQUIRE_GPU', true),
    nodeReadyHeartbeats: read.int('LINGUA_NODE_READY_HEARTBEATS', 1, 1),
    nodeDegradeHeartbeats: read.int('LINGUA_NODE_DEGRADE_HEARTBEATS', 2, 1),
    nodeHeartbeatIntervalMs,
    nodeLivenessTtlMs,
    wsPingIntervalMs: read.int('LINGUA_WS_PING_INTERVAL_MS', 10_000, 10),
    poolShardSize: read.int('LINGUA_POOL_SHARD_SIZE', 100, 1),
    nodeMaxJobs: read.int('LINGUA_NODE_MAX_JOBS', 4, 1),
    nodeRetentionMs: read.int('LINGUA_NODE_RETENTION_MS', 3_600_000, 1_000),
    nodeMaxLanguages: read.int('LINGUA_NODE_MAX_LANGUAGES', 64, 2, 1_024),
    gpuTierThresholds: read.tiers('LINGUA_GPU_TIER_THRESHOLDS', 'high:40,mid:16,low:0'),
    sweepIntervalMs: read.int('LINGUA_SWEEP_INTERVAL_MS', 5_000, 10),
    pauseMs: read.int('LINGUA_PAUSE_MS', 3_000, 1),
    maxUtteranceMs: read.int('LINGUA_MAX_UTTERANCE_MS', 10_000, 1),
    maxAudioBufferBytes: read.int('LINGUA_MAX_AUDIO_BUFFER_BYTES', 512_000, 1),
    finalGraceMs: read.int('LINGUA_FINAL_GRACE_MS', 256, 0),
    jobTimeoutMs: read.int('LINGUA_JOB_TIMEOUT_MS', 30_000, 1),
    jobMaxAttempts: read.int('LINGUA_JOB_MAX_ATTEMPTS', 2, 1),
    resultGapMs: read.int('LINGUA_RESULT_GAP_MS', 10_000, 1),
    maxFrameBytes,
    maxTextBytes: read.int('LINGUA_MAX_TEXT_BYTES', 65_536, 1),
    maxArrayItems: read.int('LINGUA_MAX_ARRAY_ITEMS', 256, 1),
    maxMapBytes: read.int('LINGUA_MAX_MAP_BYTES', 4_096, 16),
    maxMapKeys: read.int('LINGUA_MAX_MAP_KEYS', 64, 1),
    rateLimitPerS,
    rateLimitBurst,
    rateLimitBytesPerS: read.int('LINGUA_RATE_LIMIT_BYTES_PER_S', 1_048_576, 1),
    nodeResultRatePerS: read.int('LINGUA_NODE_RESULT_RATE_PER_S', 1_000, 1),
    nodeResultBytesPerS: read.int('LINGUA_NODE_RESULT_BYTES_PER_S', 67_108_864, 1),
    rateLimitBytesBurst,
    initTimeoutMs: read.int('LINGUA_INIT_TIMEOUT_MS', 10_000, 10),
    trustedProxies: read.cidrs('LINGUA_TRUSTED_PROXIES'),
    maxConnectionsPerIp: read.int('LINGUA_MAX_CONNECTIONS_PER_IP', 64, 0),
    maxSessionsPerSubject: read.int('LINGUA_MAX_SESSIONS_PER_SUBJECT', 32, 0),
    allowedOrigins: read.origins('LINGUA_ALLOWED_ORIGINS'),
    inboxProbeMs: read.int('LINGUA_INBOX_PROBE_MS', 2_000, 10),
    inboxRetentionMs: read.int('LINGUA_INBOX_RETENTION_MS', 30_000, 1),
    instanceTickMs: read.int('LINGUA_INSTANCE_TICK_MS', 2_000, 10),
    sessionResumeGraceMs: read.int('LINGUA_SESSION_RESUME_GRACE_MS', 5_000, 0),
    drainTimeoutMs: read.int('LINGUA_DRAIN_TIMEOUT_MS', 30_000, 0),
    auth: loadAuthConfig(env),
    adminAuth: loadAdminAuthConfig(env),
  };
  return Object.freeze(config);
}

/** What the store's connection factory needs to reach Redis the way the configuration says. */
export function redisConnectionOptions(
  config: GatewayConfig,
): Pick<RedisConnectionOptions, 'url' | 'clusterNodes' | 'username' | 'password' | 'tls'> {
  const tls = config.redisTls;
  return {
    url: config.redisUrl,
    clusterNodes: config.redisClusterNodes.map(
      (n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`,
    ),
    ...(config.redisUsername === undefined ? {} : { username: config.redisUsername }),
    ...(config.redisPassword === undefined ? {} : { password: config.redisPassword.reveal() }),
    ...(tls === undefined
      ? {}
      : {
          tls: {
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.servername === undefined ? {} : { servername: tls.servername }),
          },
        }),
  };
}

/**
 * The Redis URL (credentials moved out of it), credentials and TLS. Explicit variables win over what the URL
 * carries; the URL's credentials and `rediss://` count only in standalone mode, where the URL is used at all.
 */
function redisSecurity(
  env: Env,
  read: ReturnType<typeof reader>,
  cluster: boolean,
): {
  url: string;
  username: string | undefined;
  password: Secret | undefined;
  tls: RedisTlsConfig | undefined;
} {
  const parsed = read.redisUrl('LINGUA_REDIS_URL', 'redis://127.0.0.1:6379');
  const fromUrl = cluster ? { username: undefined, password: undefined, tls: false } : parsed;
  const username = read.optional('LINGUA_REDIS_USERNAME') ?? fromUrl.username;
  const password = readPassword(env) ?? fromUrl.password;
  const tlsOn = read.bool('LINGUA_REDIS_TLS', fromUrl.tls);
  if (!tlsOn && fromUrl.tls) {
    throw new ConfigError('LINGUA_REDIS_TLS', 'is off but LINGUA_REDIS_URL uses rediss:// (TLS)');
  }
  const caFile = read.optional('LINGUA_REDIS_TLS_CA_FILE');
  const servername = read.optional('LINGUA_REDIS_TLS_SERVERNAME');
  if (!tlsOn) {
    for (const [name, value] of [
      ['LINGUA_REDIS_TLS_CA_FILE', caFile],
      ['LINGUA_REDIS_TLS_SERVERNAME', servername],
    ] as const) {
      if (value !== undefined) throw new ConfigError(name, 'needs LINGUA_REDIS_TLS=1 (or a rediss:// URL)');
    }
  }
  return {
    url: parsed.url,
    username,
    password: password === undefined ? undefined : new Secret(password),
    tls: tlsOn
      ? { ca: caFile === undefined ? undefined : readCaFile(caFile), caFile, servername }
      : undefined,
  };
}

/** LINGUA_REDIS_PASSWORD as given (not trimmed: it is a secret), or the content of LINGUA_REDIS_PASSWORD_FILE. */
function readPassword(env: Env): string | undefined {
  const directValue = env['LINGUA_REDIS_PASSWORD'];
  const direct = directValue === '' ? undefined : directValue;
  const file = env['LINGUA_REDIS_PASSWORD_FILE']?.trim() || undefined;
  if (direct !== undefined && file !== undefined) {
    throw new ConfigError(
      'LINGUA_REDIS_PASSWORD_FILE',
      'set either LINGUA_REDIS_PASSWORD or LINGUA_REDIS_PASSWORD_FILE, not both',
    );
  }
  if (file === undefined) return direct;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    // The code only: the file's path is not secret, but nothing of its content may be shown.
    throw new ConfigError('LINGUA_REDIS_PASSWORD_FILE', `cannot read "${file}" (${errorCode(err)})`);
  }
  // Secret files (Kubernetes, Docker) often end with a newline that is not part of the password.
  const password = content.replace(/[\r\n]+$/, '');
  if (password === '') throw new ConfigError('LINGUA_REDIS_PASSWORD_FILE', `"${file}" is empty`);
  return password;
}

function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('LINGUA_REDIS_TLS_CA_FILE', `cannot read "${file}" (${errorCode(err)})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError('LINGUA_REDIS_TLS_CA_FILE', `"${file}" holds no PEM certificate`);
  }
  return pem;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unreadable';
}

function defaultInstanceId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9.-]/g, '-')
      .slice(0, 100) || 'gateway';
  return `${host}-${randomBytes(4).toString('hex')}`;
}

function reader(env: Env) {
  const raw = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  return {
    str(name: string, def: string): string {
      return raw(name) ?? def;
    },
    optional(name: string): string | undefined {
      return raw(name);
    },
    id(name: string, def: string): string {
      const v = raw(name) ?? def;
      if (!SAFE_ID.test(v)) throw new ConfigError(name, `must match ${SAFE_ID.source}, got "${v}"`);
      return v;
    },
    int(name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
      const v = raw(name);
      if (v === undefined) return def;
      if (!/^-?\d+$/.test(v)) throw new ConfigError(name, `must be an integer, got "${v}"`);
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        throw new ConfigError(name, `must be between ${min} and ${max}, got ${v}`);
      }
      return n;
    },
    bool(name: string, def: boolean): boolean {
      const v = raw(name)?.toLowerCase();
      if (v === undefined) return def;
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(name, `must be true or false, got "${v}"`);
    },
    oneOf<T extends string>(name: string, def: T, allowed: readonly T[]): T {
      const v = raw(name)?.toLowerCase() ?? def;
      if (!(allowed as readonly string[]).includes(v)) {
        throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${v}"`);
      }
      return v as T;
    },
    /** The URL without credentials, and the credentials it carried (decoded). */
    redisUrl(
      name: string,
      def: string,
    ): { url: string; username: string | undefined; password: string | undefined; tls: boolean } {
      const v = raw(name) ?? def;
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        throw new ConfigError(name, `must be a URL like redis://host:port, got "${redactRedisUrl(v)}"`);
      }
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
        throw new ConfigError(name, `must use redis:// or rediss://, got "${url.protocol}"`);
      }
      let username: string | undefined;
      let password: string | undefined;
      try {
        username = url.username === '' ? undefined : decodeURIComponent(url.username);
        password = url.password === '' ? undefined : decodeURIComponent(url.password);
      } catch {
        throw new ConfigError(name, 'holds a badly %-encoded user or password');
      }
      url.username = '';
      url.password = '';
      return {
        url: username === undefined && password === undefined ? v : url.toString(),
        username,
        password,
        tls: url.protocol === 'rediss:',
      };
    },
    hostPorts(name: string): readonly HostPort[] {
      const v = raw(name);
      if (v === undefined) return Object.freeze([]);
      const list = v.split(',').map((item) => {
        const m = /^\s*([^\s:]+|\[[^\]]+\]):(\d{1,5})\s*$/.exec(item);
        const port = Number(m?.[2]);
        if (!m?.[1] || port < 1 || port > 65_535) {
          throw new ConfigError(name, `must be comma-separated host:port entries, got "${item.trim()}"`);
        }
        return Object.freeze({ host: m[1].replace(/^\[|\]$/g, ''), port });
      });
      return Object.freeze(list);
    },
    cidrs(name: string): readonly Cidr[] {
      const v = raw(name);
      if (v === undefined) return Object.freeze([]);
      const list = v.split(',').map((item) => {
        const cidr = parseCidr(item);
        if (cidr === undefined) {
          throw new ConfigError(
            name,
            `must be comma-separated addresses or CIDRs (10.0.0.0/8, fd00::/8), got "${item.trim()}"`,
          );
        }
        return cidr;
      });
      return Object.freeze(list);
    },
    origins(name: string): readonly string[] | undefined {
      const v = raw(name);
      if (v === undefined) return undefined;
      const list = v.split(',').map((item) => {
        const origin = normalizeOrigin(item);
        if (origin === undefined) {
          throw new ConfigError(
            name,
            `must be comma-separated origins like https://app.example.com, got "${item.trim()}"`,
          );
        }
        return origin;
      });
      return Object.freeze(list);
    },
    tiers(name: string, def: string): readonly GpuTierThreshold[] {
      const v = raw(name) ?? def;
      const seen = new Set<string>();
      const list = v.split(',').map((item) => {
        const m = /^\s*([A-Za-z0-9_-]{1,32})\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(item);
        if (!m?.[1] || m[2] === undefined) {
          throw new ConfigError(name, `must be comma-separated tier:GiB entries, got "${item.trim()}"`);
        }
        if (seen.has(m[1])) throw new ConfigError(name, `tier "${m[1]}" is listed twice`);
        seen.add(m[1]);
        return Object.freeze({ tier: m[1], minGib: Number(m[2]) });
      });
      list.sort((a, b) => b.minGib - a.minGib);
      if (list[list.length - 1]?.minGib !== 0) {
        throw new ConfigError(name, 'needs a tier with threshold 0 so that every GPU gets a tier');
      }
      return Object.freeze(list);
    },
  };
}
