import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from './redis-client.js';
import { redisEnv, type Topology } from './redis-target.js';
import { startSecuredTarget, type SecuredTarget } from './secured-target.js';

const topologies: Topology[] = ['standalone', 'cluster'];

describe.each(topologies)('secured target (%s): ACL user + TLS', (topology) => {
  let secured: SecuredTarget;
  beforeAll(async () => {
    secured = await startSecuredTarget(topology, { password: 'kit-pw', tls: true });
  });
  afterAll(() => secured?.stop());

  it('lets in the ACL user over TLS, with the CA the target carries', async () => {
    const { target } = secured;
    expect(target).toMatchObject({ username: 'lingua', password: 'kit-pw' });
    expect(target.tls?.ca).toContain('BEGIN CERTIFICATE');
    const client = createRedisClient(target);
    try {
      const key = `kit:{secured}:${topology}`;
      expect(await client.set(key, 'v')).toBe('OK');
      expect(await client.call('ACL', 'WHOAMI')).toBe('lingua');
      if (client instanceof Cluster) {
        // The nodes gossip over the TLS bus: every slot is served, by three masters.
        const info = (await client.cluster('INFO')) as string;
        expect(info).toContain('cluster_state:ok');
        expect(info).toContain('cluster_slots_ok:16384');
        expect(client.nodes('master')).toHaveLength(3);
      }
    } finally {
      client.disconnect();
    }
  });

  it('configures a gateway for it through redisEnv', () => {
    expect(redisEnv(secured.target)).toMatchObject({
      LINGUA_REDIS_USERNAME: 'lingua',
      LINGUA_REDIS_PASSWORD: 'kit-pw',
      LINGUA_REDIS_TLS: '1',
      LINGUA_REDIS_TLS_CA_FILE: secured.target.tls?.caFile,
    });
  });

  it('refuses a client without credentials, and one without TLS', async () => {
    const server = secured.servers[0];
    if (!server) throw new Error('no server');
    const noAuth = new Redis({
      host: server.host,
      port: server.port,
      tls: { ca: secured.target.tls?.ca ?? '' },
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    noAuth.on('error', () => undefined);
    try {
      await noAuth.connect().catch(() => undefined);
      await expect(noAuth.ping()).rejects.toThrow(/NOAUTH|closed/);
    } finally {
      noAuth.disconnect();
    }
    const plain = new Redis({
      host: server.host,
      port: server.port,
      username: 'lingua',
      password: 'kit-pw',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    plain.on('error', () => undefined);
    try {
      await expect(plain.connect()).rejects.toThrow();
      expect(plain.status).not.toBe('ready');
    } finally {
      plain.disconnect();
    }
  });
});

describe('secured target (standalone): ACL user only', () => {
  it('is plain TCP with a random password', async () => {
    const secured = await startSecuredTarget('standalone');
    try {
      expect(secured.target.url).toMatch(/^redis:\/\//);
      expect(secured.target.tls).toBeUndefined();
      expect(secured.target.password).toMatch(/^[0-9a-f]{24}$/);
      const client = createRedisClient(secured.target);
      try {
        expect(await client.call('ACL', 'WHOAMI')).toBe('lingua');
      } finally {
        client.disconnect();
      }
    } finally {
      await secured.stop();
    }
  });
});
