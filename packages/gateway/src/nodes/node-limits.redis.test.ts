import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachTopology, poll, registerFrame, TestNode } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';
import { languageLimitViolation, nodeSlots } from './capability-limits.js';

interface NodeView {
  registered: boolean;
  pool_id: string;
  shard: number;
  free_slots: number;
  record: { max: number; status: string };
}

interface PoolView {
  pool_id: string;
  blocks: { src: string[]; tgt: string[] }[];
}

/** `n` distinct language codes tagged `tag`. */
const codes = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}`);

describe('languageLimitViolation', () => {
  it('counts distinct codes over every field and group, and names the field that crosses the limit', () => {
    expect(languageLimitViolation({ lang_sets: [codes(3, 'a'), codes(3, 'a')] }, 3)).toBeUndefined();
    expect(
      languageLimitViolation(
        { language_capabilities: { asr_languages: codes(2, 'a'), semantic_languages: codes(2, 'b') } },
        3,
      )?.path,
    ).toBe('/language_capabilities/semantic_languages');
    expect(
      languageLimitViolation(
        { language_capabilities: { asr_languages: ['a', 'a ', 'auto', ''] }, lang_sets: [['b', 'c', 'd']] },
        3,
      )?.path,
    ).toBe('/lang_sets/0');
    // Too many groups, or one group longer than the limit even if it repeats itself.
    expect(
      languageLimitViolation(
        {
          lang_sets: [
            ['a', 'b'],
            ['a', 'b'],
            ['a', 'b'],
            ['a', 'b'],
          ],
        },
        3,
      ),
    ).toEqual(expect.objectContaining({ path: '/lang_sets' }));
    expect(languageLimitViolation({ lang_sets: [['a', 'a', 'a', 'a']] }, 3)?.path).toBe('/lang_sets/0');
    // Overlapping groups: at most 4 × the limit codes in all (one pivot language with every other fits).
    const langs = codes(64, 'p');
    const pivot = langs.slice(1).map((l) => ['p0', l]);
    expect(languageLimitViolation({ lang_sets: pivot }, 64)).toBeUndefined();
    const rotations = langs.map((_, g) => langs.filter((__, i) => i !== g));
    expect(languageLimitViolation({ lang_sets: rotations }, 64)?.path).toBe('/lang_sets/4');
  });

  it('counts model languages only when the models are what the node serves', () => {
    const installed_models = codes(4, 'm').map((l) => ({ kind: 'nmt', src_lang: l, tgt_lang: 'x' }));
    expect(languageLimitViolation({ installed_models }, 3)?.path).toBe('/installed_models/2');
    expect(
      languageLimitViolation({ installed_models, language_capabilities: { asr_languages: ['en'] } }, 3),
    ).toBeUndefined();
  });

  it('caps the slots a node asks for', () => {
    expect(nodeSlots(undefined, 4)).toBe(4);
    expect(nodeSlots(2, 4)).toBe(2);
    expect(nodeSlots(Number.MAX_SAFE_INTEGER, 4)).toBe(4);
  });
});

forEachTopology('node language and slot limits', (target) => {
  let gw: TestGateway;
  const nodes: TestNode[] = [];
  const connect = async (): Promise<TestNode> => {
    const n = await TestNode.connect(gw.wsUrl('/ws/node'));
    nodes.push(n);
    return n;
  };
  const nodeView = async (id: string) => (await gw.getJson<NodeView>(`/api/v1/nodes/${id}`)).body;
  const pools = async () => (await gw.getJson<{ pools: PoolView[] }>('/api/v1/pools')).body.pools;

  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_NODE_MAX_LANGUAGES: '64', LINGUA_NODE_MAX_JOBS: '6' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await gw.stop();
  });

  it('refuses the schema-valid worst case (4 lang_sets groups × 256 codes) before touching Redis', async () => {
    const before = await pools();
    const node = await connect();
    const hostile = registerFrame({ lang_sets: [0, 1, 2, 3].map((g) => codes(256, `g${g}-`)) });
    expect(JSON.stringify(hostile).length).toBeGreaterThan(9_000);
    node.send(hostile);
    const err = await node.next('error');
    expect(err.code).toBe('INVALID_CAPABILITY_SCHEMA');
    expect(err.details).toEqual({ path: '/lang_sets/0' });
    expect((await node.closed).code).toBe(4000);
    expect(await pools()).toEqual(before);
  });

  it('refuses 65 distinct languages spread over the fields, naming the field that crossed', async () => {
    const node = await connect();
    node.send(
      registerFrame({
        language_capabilities: { asr_languages: codes(40, 'x'), semantic_languages: codes(65, 'x') },
      }),
    );
    const err = await node.next('error');
    expect(err.code).toBe('INVALID_CAPABILITY_SCHEMA');
    expect(err.details).toEqual({ path: '/language_capabilities/semantic_languages' });
    expect((await node.closed).code).toBe(4000);
  });

  it('accepts exactly 64 languages and serves every pair among them', async () => {
    const langs = codes(64, 'k');
    const node = await connect();
    await node.register({
      language_capabilities: { asr_languages: langs, semantic_languages: langs },
      // Two groups over the same 64 codes: still 64 distinct languages.
      lang_sets: [langs.slice(0, 40), langs.slice(20)],
    });
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    const view = await nodeView(node.nodeId);
    const pool = (await pools()).find((p) => p.pool_id === view.pool_id);
    expect(pool?.blocks.map((b) => b.src.length)).toEqual([40, 44]);
    await poll(() => gw.parts.index.candidatePools('k0', 'k39').length === 1, { what: 'cache has the pool' });
    expect(gw.parts.index.candidatePools('k0', 'k63')).toEqual([]); // not in one group
    expect(gw.parts.index.candidatePools('k63', 'k20').map((p) => p.poolId)).toEqual([view.pool_id]);
    expect(gw.parts.index.candidatePools('auto', 'k63').map((p) => p.poolId)).toEqual([view.pool_id]);
  });

  it('refuses a heartbeat over the limit without moving the node; a valid change still moves it', async () => {
    const node = await connect();
    await node.register({ language_capabilities: { asr_languages: ['pl'], semantic_languages: ['cs'] } });
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    const before = await nodeView(node.nodeId);

    node.heartbeat({
      language_capabilities: { asr_languages: codes(65, 'h'), semantic_languages: ['cs'] },
    });
    const err = await node.next('error');
    expect(err.code).toBe('INVALID_CAPABILITY_SCHEMA');
    expect(err.details).toEqual({ path: '/language_capabilities/asr_languages' });
    const after = await nodeView(node.nodeId);
    expect(after).toMatchObject({ registered: true, pool_id: before.pool_id, shard: before.shard });
    expect(node.ws.readyState).toBe(node.ws.OPEN);

    node.heartbeat({ language_capabilities: { asr_languages: ['pl'], semantic_languages: ['sk'] } });
    const moved = await poll(
      async () => {
        const v = await nodeView(node.nodeId);
        return v.registered && v.pool_id !== before.pool_id ? v : undefined;
      },
      { what: 'node moved to the pl→sk pool' },
    );
    expect(moved.record.status).toBe('ready');
    await poll(() => gw.parts.index.candidatePools('pl', 'sk').length === 1, { what: 'cache saw the move' });
    expect(gw.parts.index.candidatePools('pl', 'cs')).toEqual([]);
  });

  it('grants at most LINGUA_NODE_MAX_JOBS slots, and that many to a node that does not say', async () => {
    // 2^53−1 is not even a valid frame (wire integers stop at 2^31−1)...
    const absurd = await connect();
    absurd.send(registerFrame({ max_concurrent_jobs: Number.MAX_SAFE_INTEGER }));
    expect(await absurd.next('error')).toMatchObject({
      code: 'INVALID_MESSAGE',
      details: { path: '/max_concurrent_jobs' },
    });
    // ...and the largest valid declaration is cut to the cap.
    const greedy = await connect();
    await greedy.register({ max_concurrent_jobs: 2 ** 31 - 1 });
    const modest = await connect();
    await modest.register({ max_concurrent_jobs: 2 });
    const silent = await connect();
    await silent.register();
    for (const n of [greedy, modest, silent]) {
      n.heartbeat();
      await n.next('node_status', (f) => f.status === 'ready');
    }
    expect((await nodeView(greedy.nodeId)).record.max).toBe(6);
    expect((await nodeView(greedy.nodeId)).free_slots).toBe(6);
    expect((await nodeView(modest.nodeId)).record.max).toBe(2);
    expect((await nodeView(silent.nodeId)).record.max).toBe(6);
  });
});
