import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachTopology, kitToken, poll, uniquePrefix, TestNode } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

interface NodeDetail {
  registered: boolean;
  identity?: { owner: string; epoch: string };
  record?: { epoch: number; status: string };
  last_heartbeat_ms?: number | null;
  free_slots?: number;
}

forEachTopology('node registration', (target) => {
  let gw: TestGateway;
  let other: TestGateway;
  const nodes: TestNode[] = [];
  const connect = async (g: TestGateway = gw, opts = {}): Promise<TestNode> => {
    const n = await TestNode.connect(g.wsUrl('/ws/node'), opts);
    nodes.push(n);
    return n;
  };
  const detail = async (id: string): Promise<NodeDetail> =>
    (await gw.getJson<NodeDetail>(`/api/v1/nodes/${id}`)).body;

  beforeAll(async () => {
    const prefix = uniquePrefix('reg');
    gw = await startTestGateway(target, { LINGUA_KEY_PREFIX: prefix, LINGUA_INSTANCE_ID: 'gw-a' });
    // A second instance on the same keys: remote holders and cross-instance takeover.
    other = await startTestGateway(target, { LINGUA_KEY_PREFIX: prefix, LINGUA_INSTANCE_ID: 'gw-b' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await Promise.all([gw.stop(), other.stop()]);
  });

  it.each([
    [
      'a capability schema other than 2.0',
      { capability_schema_version: '1.0' },
      'INVALID_CAPABILITY_SCHEMA',
      '/capability_schema_version',
    ],
    ['no GPU', { hardware: { cpu_cores: 8, memory_gb: 16, gpus: [] } }, 'NO_GPU_AVAILABLE', '/hardware/gpus'],
    [
      'no language pair',
      { language_capabilities: { asr_languages: ['en'] } },
      'MODEL_NOT_AVAILABLE',
      undefined,
    ],
    ['a node id that cannot be a key', { node_id: 'bad{id}' }, 'INVALID_MESSAGE', '/node_id'],
  ])('refuses %s with an error, then closes', async (_what, overrides, code, path) => {
    const node = await connect();
    node.send({ ...registerFrameFor(overrides) });
    const err = await node.next('error');
    expect(err.code).toBe(code);
    if (path) expect((err.details as { path: string }).path).toBe(path);
    expect((await node.closed).code).toBe(4000);
  });

  it('refuses a node id held by a live local socket that still answers pings, even from the same address', async () => {
    const holder = await connect();
    await holder.register();
    const intruder = await connect();
    intruder.send(registerFrameFor({ node_id: holder.nodeId }));
    const err = await intruder.next('error');
    expect(err.code).toBe('NODE_ID_CONFLICT');
    expect((await intruder.closed).code).toBe(4000);
    expect(gw.parts.nodeSockets.get(holder.nodeId)).toBeDefined();
    holder.heartbeat();
    expect((await holder.next('node_status')).status).toBe('ready');
  });

  it('refuses a node id held live on another instance without proof, even from the same address', async () => {
    const holder = await connect();
    await holder.register();
    holder.heartbeat();
    await holder.next('node_status');
    // Same loopback address as the holder: an address proves nothing.
    const intruder = await connect(other);
    intruder.send(registerFrameFor({ node_id: holder.nodeId, node_token: 'not-the-token' }));
    const err = await intruder.next('error');
    expect(err.code).toBe('NODE_ID_CONFLICT');
    expect((await intruder.closed).code).toBe(4000);
    const d = await detail(holder.nodeId);
    expect(d.registered).toBe(true);
    expect(d.identity?.owner).toBe('gw-a');
  });

  it('a credential bound to exactly that id takes it over on another instance; one bound to another id may not use it', async () => {
    const holder = await connect();
    await holder.register();
    const bound = (g: TestGateway, nodeId: string): string => {
      const u = new URL(g.wsUrl('/ws/node'));
      u.searchParams.set('access_token', kitToken('node', { nodeId }));
      return u.toString();
    };
    const again = await TestNode.connect(bound(other, holder.nodeId));
    nodes.push(again);
    const ack = await again.register({ node_id: holder.nodeId });
    expect(ack.node_id).toBe(holder.nodeId);
    expect((await detail(holder.nodeId)).identity?.owner).toBe('gw-b');

    const wrong = await TestNode.connect(bound(gw, 'someone-else'));
    nodes.push(wrong);
    wrong.send(registerFrameFor({ node_id: holder.nodeId }));
    const err = await wrong.next('error');
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', details: { path: '/node_id' } });
    expect((await wrong.closed).code).toBe(4000);
    // Without a node_id, a bound credential registers as its own id.
    const own = await TestNode.connect(bound(gw, 'bound-own-id'));
    nodes.push(own);
    expect((await own.register()).node_id).toBe('bound-own-id');
  });

  it('a dropped node id stays its owner’s while its identity lasts: no proof, no takeover; the same credential may', async () => {
    const url = gw.wsUrl('/ws/node'); // one token, one subject: the same machine reconnecting
    const first = await TestNode.connect(url);
    nodes.push(first);
    await first.register();
    await first.close();
    await poll(async () => (await detail(first.nodeId)).registered === false, {
      what: 'registration removed',
    });
    const stranger = await connect();
    stranger.send(registerFrameFor({ node_id: first.nodeId }));
    expect((await stranger.next('error')).code).toBe('NODE_ID_CONFLICT');
    expect((await stranger.closed).code).toBe(4000);
    const back = await TestNode.connect(url);
    nodes.push(back);
    expect((await back.register({ node_id: first.nodeId })).node_id).toBe(first.nodeId);
  });

  it('takes over with the token: the old local socket is fenced and its late close removes nothing', async () => {
    const first = await connect();
    await first.register();
    const epoch1 = (await detail(first.nodeId)).record?.epoch ?? 0;
    const second = await connect();
    const ack = await second.register({ node_id: first.nodeId, node_token: first.token });
    expect(ack.node_id).toBe(first.nodeId);
    expect(ack.node_token).toBeUndefined(); // the token stays the one issued first
    const fenced = await first.next('error');
    expect(fenced.code).toBe('NODE_ID_CONFLICT');
    expect((await first.closed).code).toBe(4001);
    // After the old socket's close was handled, the new registration is still there.
    await poll(() => gw.parts.nodeSockets.get(first.nodeId) !== undefined, {
      what: 'registry holds the new socket',
    });
    const d = await detail(first.nodeId);
    expect(d.registered).toBe(true);
    expect(d.record?.epoch).toBe(epoch1 + 1);
    second.heartbeat();
    expect((await second.next('node_status')).status).toBe('ready');
  });

  it('once its retention has passed, a dropped identity and its node token are gone and the id is free again', async () => {
    const short = await startTestGateway(target, {
      LINGUA_INSTANCE_ID: 'gw-short',
      LINGUA_KEY_PREFIX: gw.parts.config.keyPrefix,
      LINGUA_NODE_RETENTION_MS: '1000',
    });
    try {
      const first = await TestNode.connect(short.wsUrl('/ws/node'));
      nodes.push(first);
      await first.register();
      const key = short.parts.keys.node(first.nodeId);
      await first.close();
      await poll(async () => (await short.parts.redis.client.pttl(key)) > 0, {
        what: 'identity retention armed',
      });
      await poll(async () => (await short.parts.redis.client.exists(key)) === 0, {
        what: 'identity expired',
        timeoutMs: 5_000,
      });
      const stranger = await TestNode.connect(short.wsUrl('/ws/node'));
      nodes.push(stranger);
      const ack = await stranger.register({ node_id: first.nodeId, node_token: first.token });
      expect(ack.node_id).toBe(first.nodeId);
      // A new identity: a new token is issued, the old one means nothing any more.
      expect(typeof ack.node_token).toBe('string');
      expect(ack.node_token).not.toBe(first.token);
    } finally {
      await short.stop();
    }
  });

  it('reconnect race: the node token takes over a socket that no longer answers pings; the late close is harmless', async () => {
    // autoPong off: the old socket stays open but never answers pings, like a half-dead TCP connection.
    const stale = await connect(gw, { autoPong: false });
    await stale.register();
    const fresh = await connect();
    const ack = await fresh.register({ node_id: stale.nodeId, node_token: stale.token });
    expect(ack.node_id).toBe(stale.nodeId);
    expect((await stale.closed).code).toBe(4001);
    await poll(() => gw.parts.nodeSockets.get(stale.nodeId) !== undefined, {
      what: 'registry holds the new socket',
    });
    expect((await detail(stale.nodeId)).registered).toBe(true);
    fresh.heartbeat();
    expect((await fresh.next('node_status')).status).toBe('ready');
  });

  it('cross-instance takeover: the remote old socket learns STALE at its next heartbeat and is closed', async () => {
    const old = await connect(gw);
    await old.register();
    const moved = await connect(other);
    await moved.register({ node_id: old.nodeId, node_token: old.token });
    expect((await detail(old.nodeId)).identity?.owner).toBe('gw-b');
    old.heartbeat();
    const err = await old.next('error');
    expect(err.code).toBe('NODE_ID_CONFLICT');
    expect((await old.closed).code).toBe(4001);
    // gw-a handled the old socket's close; gw-b's registration is intact and keeps heartbeating.
    await poll(() => gw.parts.nodeSockets.get(old.nodeId) === undefined, {
      what: 'old socket gone from gw-a',
    });
    const d = await detail(old.nodeId);
    expect(d.registered).toBe(true);
    expect(d.identity?.owner).toBe('gw-b');
    moved.heartbeat();
    expect((await moved.next('node_status')).status).toBe('ready');
  });

  it('answers job frames before the ack with an error and stays usable', async () => {
    const node = await connect();
    node.send({ type: 'job_ack', job_id: 'j1', attempt_id: 1, node_id: 'n', session_id: 's', trace_id: 't' });
    node.send({
      type: 'job_result',
      job_id: 'j1',
      attempt_id: 1,
      node_id: 'n',
      session_id: 's',
      utterance_index: 0,
      success: true,
      trace_id: 't',
    });
    const e1 = await node.next('error');
    const e2 = await node.next('error');
    for (const e of [e1, e2]) {
      expect(e.code).toBe('INVALID_MESSAGE');
      expect((e.details as { path: string }).path).toBe('/type');
    }
    node.heartbeat();
    expect((await node.next('error')).message).toContain('before node_register_ack');
    const ack = await node.register();
    expect(ack.type).toBe('node_register_ack');
  });

  it('answers invalid frames with the field path, changes nothing, and keeps the connection usable', async () => {
    const node = await connect();
    await node.register();
    const before = await detail(node.nodeId);
    node.send('{not json');
    expect((await node.next('error')).code).toBe('INVALID_MESSAGE');
    node.send({ type: 'no_such_type' });
    expect((await node.next('error')).details).toEqual({ path: '/type' });
    node.send({
      type: 'node_heartbeat',
      node_id: node.nodeId,
      timestamp: Date.now(),
      resource_usage: { cpu_percent: 'high', mem_percent: 1, running_jobs: 0 },
      installed_services: [],
      capability_by_type: [],
    });
    const bad = await node.next('error');
    expect(bad.code).toBe('INVALID_MESSAGE');
    expect((bad.details as { path: string }).path).toBe('/resource_usage/cpu_percent');
    node.send({ type: 'node_heartbeat', node_id: node.nodeId });
    expect(((await node.next('error')).details as { path: string }).path).toMatch(/^\/\w+/);
    node.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await node.next('error')).code).toBe('INVALID_MESSAGE');
    // A heartbeat for another node id is refused too, and changes nothing.
    node.heartbeat({ node_id: 'someone-else' });
    expect(((await node.next('error')).details as { path: string }).path).toBe('/node_id');
    // None of them touched the registration: same record (status, usage, epoch), same liveness, no status push.
    const after = await detail(node.nodeId);
    expect(after.record).toEqual(before.record);
    expect(after.last_heartbeat_ms).toBe(before.last_heartbeat_ms);
    expect(after.free_slots).toBe(before.free_slots);
    expect(node.frames.filter((f) => f.type === 'node_status')).toEqual([]);
    // Still usable: a valid heartbeat is processed.
    node.heartbeat();
    expect((await node.next('node_status')).status).toBe('ready');
  });

  it('answers a second node_register on the same socket with an error', async () => {
    const node = await connect();
    await node.register();
    node.send(registerFrameFor({ node_id: node.nodeId }));
    const err = await node.next('error');
    expect(err.code).toBe('INVALID_MESSAGE');
    expect((await detail(node.nodeId)).registered).toBe(true);
  });
});

forEachTopology('node registration without a GPU requirement', (target) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_REQUIRE_GPU: 'false' });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('accepts a CPU-only node in tier "none"', async () => {
    const node = await TestNode.connect(gw.wsUrl('/ws/node'));
    await node.register({ hardware: { cpu_cores: 8, memory_gb: 16 } });
    node.heartbeat();
    expect((await node.next('node_status')).status).toBe('ready');
    const pools = await gw.getJson<{ pools: { tier: string }[] }>('/api/v1/pools');
    expect(pools.body.pools.map((p) => p.tier)).toEqual(['none']);
    await node.close();
  });
});

function registerFrameFor(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'node_register',
    version: '2.3.0',
    capability_schema_version: '2.0',
    platform: 'linux',
    hardware: { cpu_cores: 16, memory_gb: 64, gpus: [{ name: 'RTX 4090', memory_gb: 24 }] },
    installed_models: [],
    capability_by_type: [],
    features_supported: {},
    accept_public_jobs: true,
    language_capabilities: { asr_languages: ['en', 'zh'], semantic_languages: ['en', 'zh'] },
    ...overrides,
  };
}
