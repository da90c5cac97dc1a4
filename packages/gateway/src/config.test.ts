import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, tierForMemory } from './config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 5010,
      host: '0.0.0.0',
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
      rateLimitPerS: 100,
      rateLimitBurst: 200,
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
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.gpuTierThresholds)).toBe(true);
  });

  it('reads every kind of variable', () => {
    const c = loadConfig({
      LINGUA_PORT: '0',
      LINGUA_REDIS_CLUSTER_NODES: '127.0.0.1:7000, 127.0.0.1:7001,[::1]:7002',
      LINGUA_INSTANCE_ID: 'gw-a',
      LINGUA_REQUIRE_GPU: 'false',
      LINGUA_LOG_LEVEL: 'SILENT',
      LINGUA_GPU_TIER_THRESHOLDS: 'low:0,top:80,mid:24.5',
      LINGUA_NODE_HEARTBEAT_INTERVAL_MS: '100',
      LINGUA_NODE_LIVENESS_TTL_MS: '300',
    });
    expect(c.port).toBe(0);
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

  it.each([
    [{ LINGUA_PORT: 'abc' }, 'LINGUA_PORT'],
    [{ LINGUA_PORT: '70000' }, 'LINGUA_PORT'],
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
  ])('rejects %o naming %s', (env, variable) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toContain(variable);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ LINGUA_PORT: '', LINGUA_REDIS_CLUSTER_NODES: ' ' }).port).toBe(5010);
  });
});

describe('tierForMemory', () => {
  it('picks the highest tier whose threshold the memory reaches', () => {
    const { gpuTierThresholds: t } = loadConfig({});
    expect(tierForMemory(t, 80)).toBe('high');
    expect(tierForMemory(t, 40)).toBe('high');
    expect(tierForMemory(t, 24)).toBe('mid');
    expect(tierForMemory(t, 8)).toBe('low');
  });
});
