import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

/** Authentication is on by default and needs a key: every case starts from a keyed environment. */
const KEYED = { LINGUA_AUTH_JWT_SECRET: 'k'.repeat(32) };

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig({ ...KEYED, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('refuses to start without a verification key, and says how to configure one', () => {
    const err = configError({ LINGUA_AUTH_JWT_SECRET: undefined });
    expect(err.variable).toBe('LINGUA_AUTH');
    expect(err.message).toContain('LINGUA_AUTH_JWT_SECRET');
    expect(err.message).toContain('LINGUA_AUTH=off');
  });

  it('opens the sockets only when LINGUA_AUTH=off says so, and the admin API only by its own switch', () => {
    const open = { LINGUA_AUTH_JWT_SECRET: undefined, LINGUA_AUTH: 'off' };
    expect(configError(open).variable).toBe('LINGUA_ADMIN_AUTH');
    const c = loadConfig({ LINGUA_AUTH: 'off', LINGUA_ADMIN_AUTH: 'off' });
    expect(c.auth.mode).toBe('off');
    expect(c.adminAuth.mode).toBe('off');
    const keyed = loadConfig({ ...KEYED, LINGUA_AUTH: 'off' });
    expect(keyed.auth.mode).toBe('off');
    expect(keyed.adminAuth.mode).toBe('on');
    expect(loadConfig(KEYED).auth.mode).toBe('on');
    expect(configError({ LINGUA_ADMIN_AUTH: 'maybe' }).variable).toBe('LINGUA_ADMIN_AUTH');
  });

  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig(KEYED);
    expect(c).toMatchObject({
      port: 5010,
      host: '0.0.0.0',
      adminPort: 9090,
      adminHost: '0.0.0.0',
      redisUrl: 'redis://127.0.0.1:6379',
      redisClusterNodes: [],
      keyPrefix: 'lingua',
      region: 'default',
      logLevel: 'info',
      requireGpu: true,
      nodeReadyHeartbeats: 1,
      nodeDegradeHeartbeats: 2,
      nodeHeartbeatIntervalMs: 15_000,
      nodeLivenessTtlMs: 45_000,
      wsPingIntervalMs: 10_000,
      poolShardSize: 100,
      nodeMaxJobs: 4,
      nodeMaxLanguages: 64,
      sweepIntervalMs: 5_000,
      pauseMs: 3_000,
      maxUtteranceMs: 10_000,
      maxAudioBufferBytes: 512_000,
      finalGraceMs: 256,
      jobTimeoutMs: 30_000,
      jobMaxAttempts: 2,
      resultGapMs: 10_000,
      maxFrameBytes: 1_048_576,
      maxTextBytes: 65_536,
      maxArrayItems: 256,
      maxMapBytes: 4_096,
      maxMapKeys: 64,
      rateLimitPerS: 100,
      rateLimitBurst: 200,
      rateLimitBytesPerS: 1_048_576,
      rateLimitBytesBurst: 2_097_152,
      initTimeoutMs: 10_000,
      trustedProxies: [],
      maxConnectionsPerIp: 64,
      maxSessionsPerSubject: 32,
      allowedOrigins: undefined,
      inboxProbeMs: 2_000,
      inboxRetentionMs: 30_000,
      instanceTickMs: 2_000,
      drainTimeoutMs: 30_000,
    });
    expect(c.gpuTierThresholds).toEqual([
      { tier: 'high', minGib: 40 },
      { tier: 'mid', minGib: 16 },
      { tier: 'low', minGib: 0 },
    ]);
    expect(c.instanceId).toMatch(/^[A-Za-z0-9.-]+-[0-9a-f]{8}$/);
  });

  it('returns a frozen object', () => {
    const c = loadConfig(KEYED);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.gpuTierThresholds)).toBe(true);
  });

  it('reads every kind of variable', () => {
    const c = loadConfig({
      ...KEYED,
      LINGUA_PORT: '0',
      LINGUA_REDIS_CLUSTER_NODES: '127.0.0.1:7000, 127.0.0.1:7001,[::1]:7002',
      LINGUA_INSTANCE_ID: 'gw-a',
      LINGUA_REQUIRE_GPU: 'false',
      LINGUA_LOG_LEVEL: 'SILENT',
      LINGUA_GPU_TIER_THRESHOLDS: 'low:0,top:80,mid:24.5',
      LINGUA_NODE_HEARTBEAT_INTERVAL_MS: '100',
      LINGUA_NODE_LIVENESS_TTL_MS: '300',
      LINGUA_MAX_MAP_BYTES: '1024',
      LINGUA_MAX_MAP_KEYS: '8',
    });
    expect(c.port).toBe(0);
    expect(c).toMatchObject({ maxMapBytes: 1024, maxMapKeys: 8 });
    expect(c.redisClusterNodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(c.instanceId).toBe('gw-a');
    expect(c.requireGpu).toBe(false);
    expect(c.logLevel).toBe('silent');
    expect(c.gpuTierThresholds.map((t) => t.tier)).toEqual(['top', 'mid', 'low']);
    expect(c.nodeLivenessTtlMs).toBe(300);
  });

  it('reads the socket limits: trusted proxies as CIDRs, origins in the form browsers send', () => {
    const c = loadConfig({
      ...KEYED,
      LINGUA_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7 ,fd00::/8,::ffff:172.16.0.1/32',
      LINGUA_ALLOWED_ORIGINS: 'https://App.Example.com, http://localhost:3000/',
      LINGUA_MAX_FRAME_BYTES: '4096',
      LINGUA_RATE_LIMIT_BYTES_PER_S: '1000',
      LINGUA_MAX_CONNECTIONS_PER_IP: '0',
      LINGUA_MAX_SESSIONS_PER_SUBJECT: '0',
      LINGUA_INIT_TIMEOUT_MS: '500',
    });
    expect(c.trustedProxies).toEqual([
      { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { address: '192.168.1.7', prefix: 32, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
      { address: '172.16.0.1', prefix: 32, family: 'ipv4' },
    ]);
    expect(c.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    // The byte burst follows the frame size unless set.
    expect(c).toMatchObject({
      rateLimitBytesPerS: 1_000,
      rateLimitBytesBurst: 8_192,
      maxConnectionsPerIp: 0,
      maxSessionsPerSubject: 0,
      initTimeoutMs: 500,
    });
  });

  it('binds the admin port like the public one unless told otherwise', () => {
    expect(loadConfig({ ...KEYED, LINGUA_HOST: '127.0.0.1' })).toMatchObject({
      host: '127.0.0.1',
      adminHost: '127.0.0.1',
    });
    expect(loadConfig({ ...KEYED, LINGUA_HOST: '127.0.0.1', LINGUA_ADMIN_HOST: '10.0.0.5' }).adminHost).toBe(
      '10.0.0.5',
    );
    expect(loadConfig({ ...KEYED, LINGUA_PORT: '0', LINGUA_ADMIN_PORT: '0' })).toMatchObject({
      port: 0,
      adminPort: 0,
    });
  });

  it.each([
    [{ LINGUA_PORT: 'abc' }, 'LINGUA_PORT'],
    [{ LINGUA_PORT: '70000' }, 'LINGUA_PORT'],
    [{ LINGUA_PORT: '9000', LINGUA_ADMIN_PORT: '9000' }, 'LINGUA_ADMIN_PORT'],
    [{ LINGUA_POOL_SHARD_SIZE: '0' }, 'LINGUA_POOL_SHARD_SIZE'],
    [{ LINGUA_NODE_MAX_LANGUAGES: '1' }, 'LINGUA_NODE_MAX_LANGUAGES'],
    [{ LINGUA_REQUIRE_GPU: 'maybe' }, 'LINGUA_REQUIRE_GPU'],
    [{ LINGUA_LOG_LEVEL: 'loud' }, 'LINGUA_LOG_LEVEL'],
    [{ LINGUA_REDIS_URL: 'http://x:1' }, 'LINGUA_REDIS_URL'],
    [{ LINGUA_REDIS_CLUSTER_NODES: 'host-without-port' }, 'LINGUA_REDIS_CLUSTER_NODES'],
    [{ LINGUA_INSTANCE_ID: 'has{brace}' }, 'LINGUA_INSTANCE_ID'],
    [{ LINGUA_KEY_PREFIX: 'a b' }, 'LINGUA_KEY_PREFIX'],
    [{ LINGUA_GPU_TIER_THRESHOLDS: 'high:40,mid:16' }, 'LINGUA_GPU_TIER_THRESHOLDS'],
    [{ LINGUA_GPU_TIER_THRESHOLDS: 'high:x' }, 'LINGUA_GPU_TIER_THRESHOLDS'],
    [{ LINGUA_GPU_TIER_THRESHOLDS: 'a:0,a:1' }, 'LINGUA_GPU_TIER_THRESHOLDS'],
    [{ LINGUA_NODE_LIVENESS_TTL_MS: '44999' }, 'LINGUA_NODE_LIVENESS_TTL_MS'],
    [{ LINGUA_RATE_LIMIT_PER_S: '300' }, 'LINGUA_RATE_LIMIT_BURST'],
    [{ LINGUA_RATE_LIMIT_BYTES_BURST: '1048575' }, 'LINGUA_RATE_LIMIT_BYTES_BURST'],
    [{ LINGUA_RATE_LIMIT_BYTES_PER_S: '0' }, 'LINGUA_RATE_LIMIT_BYTES_PER_S'],
    [{ LINGUA_INIT_TIMEOUT_MS: '1' }, 'LINGUA_INIT_TIMEOUT_MS'],
    [{ LINGUA_TRUSTED_PROXIES: '10.0.0.0/33' }, 'LINGUA_TRUSTED_PROXIES'],
    [{ LINGUA_TRUSTED_PROXIES: 'lb.example.com' }, 'LINGUA_TRUSTED_PROXIES'],
    [{ LINGUA_MAX_CONNECTIONS_PER_IP: '-1' }, 'LINGUA_MAX_CONNECTIONS_PER_IP'],
    [{ LINGUA_MAX_SESSIONS_PER_SUBJECT: 'many' }, 'LINGUA_MAX_SESSIONS_PER_SUBJECT'],
    [{ LINGUA_ALLOWED_ORIGINS: 'https://app.example.com/path' }, 'LINGUA_ALLOWED_ORIGINS'],
    [{ LINGUA_ALLOWED_ORIGINS: '*' }, 'LINGUA_ALLOWED_ORIGINS'],
  ])('rejects %o naming %s', (env, variable) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toContain(variable);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ ...KEYED, LINGUA_PORT: '', LINGUA_REDIS_CLUSTER_NODES: ' ' }).port).toBe(5010);
  });
});
