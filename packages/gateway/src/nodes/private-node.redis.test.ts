/**
 * Private nodes (`accept_public_jobs:false`): a pairing code issued at registration and kept across reconnects;
 * dispatch gives such a node only sessions paired with it (same credential tenant, or its pairing code), while
 * public nodes take everyone else. Real gateway, real sockets, real Redis.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  connectRaw,
  forEachTopology,
  kitToken,
  poll,
  ScriptedNode,
  TestClient,
  type Frame,
  type KitRole,
  type KitTokenOptions,
} from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';
import { PAIRING_CODE_ALPHABET } from './pairing-code.js';

const CODE = new RegExp(`^[${PAIRING_CODE_ALPHABET}]{8}$`);

forEachTopology('private nodes', (target) => {
  let gw: TestGateway;
  const nodes: ScriptedNode[] = [];
  const clients: TestClient[] = [];
  let lang = 0;

  /** A gateway URL carrying a kit token of `role` with the given claims. */
  const urlAs = (path: string, role: KitRole, opts: KitTokenOptions = {}): string => {
    const u = new URL(gw.wsUrl(path));
    u.searchParams.set('access_token', kitToken(role, opts));
    return u.toString();
  };
  const langs = (): [string, string] => [`p${++lang}`, `q${lang}`];
  const startNode = async (
    pair: [string, string],
    opts: { public: boolean; tenant?: string; nodeId?: string; token?: string },
  ): Promise<ScriptedNode> => {
    const n = await ScriptedNode.start(
      urlAs('/ws/node', 'node', opts.tenant ? { tenant: opts.tenant } : {}),
      {
        register: {
          accept_public_jobs: opts.public,
          language_capabilities: { asr_languages: pair, semantic_languages: pair },
          ...(opts.nodeId ? { node_id: opts.nodeId, node_token: opts.token ?? '' } : {}),
        },
      },
    );
    nodes.push(n);
    return n;
  };
  const served = (pair: [string, string]): Promise<unknown> =>
    poll(() => gw.parts.index.candidatePools(pair[0], pair[1]).length > 0, { what: 'index serves the pair' });
  const session = async (
    pair: [string, string],
    opts: { tenant?: string; pairingCode?: string; tenantId?: string } = {},
  ): Promise<TestClient> => {
    const c = await TestClient.connect(
      urlAs('/ws/session', 'session', opts.tenant ? { tenant: opts.tenant } : {}),
    );
    clients.push(c);
    await c.init({
      src_lang: pair[0],
      tgt_lang: pair[1],
      ...(opts.pairingCode !== undefined ? { pairing_code: opts.pairingCode } : {}),
      ...(opts.tenantId !== undefined ? { tenant_id: opts.tenantId } : {}),
    });
    return c;
  };
  /** Speaks one utterance and resolves with what resolved it: the serving node's id, or the error code. */
  const speak = async (c: TestClient, ns: ScriptedNode[]): Promise<string> => {
    const before = ns.map((n) => n.assigns.length);
    c.chunk(2, true);
    const f: Frame = await c.next(['translation_result', 'error']);
    if (f.type === 'error') {
      await c.next('missing_result');
      return String(f.code);
    }
    const i = ns.findIndex((n, k) => n.assigns.length > (before[k] ?? 0));
    return i < 0 ? 'unknown' : ns[i]!.nodeId;
  };

  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_FINAL_GRACE_MS: '10' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('a private node gets a pairing code, kept across its reconnects; a public node gets none', async () => {
    const pair = langs();
    const priv = await startNode(pair, { public: false, tenant: 'acme' });
    const pub = await startNode(pair, { public: true });
    expect(priv.pairingCode).toMatch(CODE);
    expect(pub.pairingCode).toBeUndefined();

    const redis = connectRaw(target);
    const node = await redis.hgetall(gw.parts.keys.node(priv.nodeId));
    expect(node.pairing_code).toBe(priv.pairingCode);

    const { nodeId, token, pairingCode } = priv;
    await priv.close();
    nodes.splice(nodes.indexOf(priv), 1);
    const again = await startNode(pair, { public: false, tenant: 'acme', nodeId, token });
    expect(again.nodeId).toBe(nodeId);
    expect(again.pairingCode).toBe(pairingCode);
  });

  it('with only a private node: its tenant and its pairing code are served, everyone else gets NO_AVAILABLE_NODE', async () => {
    const pair = langs();
    const priv = await startNode(pair, { public: false, tenant: 'acme' });
    await served(pair);
    const code = priv.pairingCode ?? '';

    expect(await speak(await session(pair, { tenant: 'acme' }), [priv])).toBe(priv.nodeId);
    // Case, spaces and dashes do not matter.
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`;
    expect(await speak(await session(pair, { pairingCode: typed }), [priv])).toBe(priv.nodeId);

    expect(await speak(await session(pair), [priv])).toBe('NO_AVAILABLE_NODE');
    expect(await speak(await session(pair, { tenant: 'other' }), [priv])).toBe('NO_AVAILABLE_NODE');
    // The client's own tenant_id proves nothing: only the credential's tenant counts.
    expect(await speak(await session(pair, { tenantId: 'acme' }), [priv])).toBe('NO_AVAILABLE_NODE');
    // A code that matches no node is accepted at session_init and pairs with nothing.
    const wrong = code === 'ZZZZZZZZ' ? 'YYYYYYYY' : 'ZZZZZZZZ';
    const stranger = await session(pair, { pairingCode: wrong });
    expect(stranger.sessionId).not.toBe('');
    expect(await speak(stranger, [priv])).toBe('NO_AVAILABLE_NODE');
    expect(priv.assigns.length).toBe(2);
  });

  it('beside a public node: unpaired sessions always go to the public node, the tenant may use both', async () => {
    const pair = langs();
    const priv = await startNode(pair, { public: false, tenant: 'acme' });
    const pub = await startNode(pair, { public: true });
    await served(pair);
    const ns = [priv, pub];
    for (let i = 0; i < 4; i++) {
      expect(await speak(await session(pair, { tenant: 'other' }), ns)).toBe(pub.nodeId);
      expect(await speak(await session(pair), ns)).toBe(pub.nodeId);
    }
    expect(priv.assigns).toEqual([]);
    const mine = await session(pair, { tenant: 'acme' });
    expect([priv.nodeId, pub.nodeId]).toContain(await speak(mine, ns));
  });

  it("the session keeps its credential's tenant and its code's hash, never the code, for a resume anywhere", async () => {
    const pair = langs();
    const priv = await startNode(pair, { public: false });
    await served(pair);
    const code = priv.pairingCode ?? '';
    const c = await session(pair, { tenant: 'acme', pairingCode: code, tenantId: 'forged' });
    const hash = await connectRaw(target).hgetall(gw.parts.keys.session(c.sessionId).session);
    expect(hash.tenant).toBe('acme');
    expect(hash.pair_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.values(hash).join(' ')).not.toContain(code);
    expect(Object.values(hash).join(' ')).not.toContain('forged');

    // Resumed on a fresh socket whose credential has no tenant and which presents no code: still paired.
    const r = await TestClient.connect(urlAs('/ws/session', 'session'));
    clients.push(r);
    await r.init({
      src_lang: pair[0],
      tgt_lang: pair[1],
      resume: { session_id: c.sessionId, token: c.token },
    });
    expect(await speak(r, [priv])).toBe(priv.nodeId);
  });
});
