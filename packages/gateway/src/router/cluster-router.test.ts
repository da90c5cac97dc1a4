import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { JobAssign, NodeOutbound } from '@lingua/protocol';
import type { SessionJobEvent } from '../jobs/job-events.js';
import { ClusterRouter, MAX_HOPS, type ClusterRouterDeps } from './cluster-router.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.js';

const assign = (over: Partial<JobAssign> = {}): JobAssign =>
  ({
    type: 'job_assign',
    job_id: 'j1',
    attempt_id: 2,
    session_id: 's1',
    utterance_index: 0,
    src_lang: 'en',
    tgt_lang: 'zh',
    pipeline: { use_asr: true, use_nmt: true, use_tts: false },
    audio: '',
    audio_format: 'pcm16',
    sample_rate: 16000,
    trace_id: 't',
    ...over,
  }) as JobAssign;

const result = (sessionId = 's1'): SessionJobEvent => ({
  kind: 'result',
  sessionId,
  jobId: 'j1',
  attempt: 1,
  nodeId: 'n1',
  resolution: { kind: 'translation', frames: [] },
});

/** A router for instance `me` with in-memory sockets, sessions and owners; published envelopes are recorded. */
function harness(me = 'A') {
  const published: { to: string; env: Envelope }[] = [];
  const nodeSends: { nodeId: string; epoch: number; frame: NodeOutbound }[] = [];
  const fencedNodes: string[] = [];
  const nodes = new Map<string, number>(); // nodeId → epoch held here
  const sessionEvents = new Map<string, SessionJobEvent[]>();
  const sessionEpochs = new Map<string, number>();
  const fencedSessions: string[] = [];
  const owners = new Map<string, string>();
  const released: unknown[] = [];
  const onFenced: string[] = [];
  const dropped: string[] = [];
  let publishFails = false;
  const deps: ClusterRouterDeps = {
    instanceId: me,
    publish: async (to, payload) => {
      if (publishFails) throw new Error('redis down');
      const env = decodeEnvelope(payload);
      if (!env) throw new Error(`router published something it cannot decode: ${payload}`);
      published.push({ to, env });
      return published.length;
    },
    nodes: {
      send(nodeId, epoch, frame) {
        const held = nodes.get(nodeId);
        if (held === undefined) return 'node_gone';
        if (held !== epoch) return 'stale_epoch';
        nodeSends.push({ nodeId, epoch, frame });
        return true;
      },
      get(nodeId) {
        const epoch = nodes.get(nodeId);
        return epoch === undefined ? undefined : { epoch, fence: () => fencedNodes.push(nodeId) };
      },
    },
    sessions: {
      get(sessionId) {
        const events = sessionEvents.get(sessionId);
        if (!events) return undefined;
        return {
          epoch: sessionEpochs.get(sessionId) ?? 1,
          onJobEvent: (e) => events.push(e),
          fence: () => fencedSessions.push(sessionId),
        };
      },
    },
    sessionOwner: async (id) => owners.get(id),
    releaseBounced: async (b) => {
      released.push(b);
    },
    onFenced: (kind, id) => onFenced.push(`${kind}:${id}`),
    logger: pino({ level: 'silent' }),
    observe: { dropped: (why) => dropped.push(why) },
  };
  const router = new ClusterRouter(deps);
  const receive = (env: Envelope): void => router.onInboxMessage(encodeEnvelope(env));
  /** Lets the router's fire-and-forget work (bounces, re-routes) finish. */
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    router,
    receive,
    settle,
    published,
    nodeSends,
    nodes,
    fencedNodes,
    sessionEvents,
    sessionEpochs,
    fencedSessions,
    owners,
    released,
    onFenced,
    dropped,
    failPublish: () => (publishFails = true),
  };
}

describe('ClusterRouter: sending', () => {
  it('writes to a local node socket directly, without Redis', async () => {
    const h = harness('A');
    h.nodes.set('n1', 3);
    expect(await h.router.deliverToNode({ nodeId: 'n1', owner: 'A', epoch: 3 }, assign())).toBe(true);
    expect(h.nodeSends).toHaveLength(1);
    expect(h.published).toHaveLength(0);
    expect(await h.router.deliverToNode({ nodeId: 'n1', owner: 'A', epoch: 2 }, assign())).toBe(
      'stale_epoch',
    );
    expect(await h.router.deliverToNode({ nodeId: 'n9', owner: 'A', epoch: 1 }, assign())).toBe('node_gone');
  });

  it("puts a remote node's frame into its owner's inbox, addressed to the registration's epoch", async () => {
    const h = harness('A');
    expect(await h.router.deliverToNode({ nodeId: 'n1', owner: 'B', epoch: 7 }, assign())).toBe(true);
    expect(h.published).toEqual([
      { to: 'B', env: { t: 'node', from: 'A', node: 'n1', epoch: 7, frame: assign() } },
    ]);
  });

  it('reports an unowned node as gone, and fails a job over when its assign cannot be written', async () => {
    const h = harness('A');
    expect(await h.router.deliverToNode({ nodeId: 'n1', owner: '', epoch: 1 }, assign())).toBe('node_gone');
    h.sessionEvents.set('s1', []);
    h.failPublish();
    // Accepted at once (the job is tracked before its outcome can arrive), failed over once the publish failed.
    expect(await h.router.deliverToNode({ nodeId: 'n1', owner: 'B', epoch: 1 }, assign())).toBe(true);
    await h.settle();
    expect(h.released).toEqual([{ sessionId: 's1', jobId: 'j1', attempt: 2, nodeId: 'n1' }]);
    expect(h.sessionEvents.get('s1')).toMatchObject([{ kind: 'failed', jobId: 'j1', retryable: true }]);
  });

  it('resolves a remote delivery before its publish completes, so nothing can overtake the caller', async () => {
    const h = harness('A');
    let publishes = 0;
    const slow = new ClusterRouter({
      instanceId: 'A',
      publish: () => {
        publishes++;
        return new Promise(() => undefined); // never answers
      },
      nodes: { send: () => 'node_gone', get: () => undefined },
      sessions: { get: () => undefined },
      sessionOwner: async () => undefined,
      logger: pino({ level: 'silent' }),
    });
    expect(await slow.deliverToNode({ nodeId: 'n1', owner: 'B', epoch: 1 }, assign())).toBe(true);
    expect(publishes).toBe(1);
    expect(h.published).toEqual([]);
  });

  it('delivers session events locally first, else to the owner it is given or looks up', async () => {
    const h = harness('A');
    h.sessionEvents.set('local', []);
    await h.router.deliverToSession({ sessionId: 'local' }, result('local'));
    expect(h.sessionEvents.get('local')).toHaveLength(1);
    await h.router.deliverToSession({ sessionId: 's1', owner: 'B' }, result());
    h.owners.set('s2', 'C');
    await h.router.deliverToSession({ sessionId: 's2' }, result('s2'));
    expect(h.published.map((p) => [p.to, p.env.t])).toEqual([
      ['B', 'session'],
      ['C', 'session'],
    ]);
  });

  it('drops an event for a session owned here whose socket is gone, and one for an unknown session', async () => {
    const h = harness('A');
    await h.router.deliverToSession({ sessionId: 's1', owner: 'A' }, result());
    await h.router.deliverToSession({ sessionId: 'nobody' }, result('nobody'));
    expect(h.published).toHaveLength(0);
    expect(h.dropped).toEqual(['session_gone', 'session_unknown']);
  });

  it('fences locally or through the previous owner’s inbox', async () => {
    const h = harness('A');
    h.nodes.set('n1', 1);
    await h.router.fence({ kind: 'node', id: 'n1', epoch: 2, owner: 'A' });
    expect(h.fencedNodes).toEqual(['n1']);
    await h.router.fence({ kind: 'session', id: 's1', epoch: 4, owner: 'B' });
    expect(h.published).toEqual([
      { to: 'B', env: { t: 'fence', from: 'A', kind: 'session', id: 's1', epoch: 4 } },
    ]);
  });
});

describe('ClusterRouter: receiving', () => {
  it('hands a node envelope to the socket holding that epoch', () => {
    const h = harness('B');
    h.nodes.set('n1', 7);
    h.receive({ t: 'node', from: 'A', node: 'n1', epoch: 7, frame: assign() });
    expect(h.nodeSends).toEqual([{ nodeId: 'n1', epoch: 7, frame: assign() }]);
  });

  it('drops a late job_assign for an old epoch and bounces it to the sender at once', async () => {
    const h = harness('B');
    h.nodes.set('n1', 8);
    h.receive({ t: 'node', from: 'A', node: 'n1', epoch: 7, frame: assign() });
    h.receive({ t: 'node', from: 'A', node: 'gone', epoch: 1, frame: assign({ job_id: 'j2' }) });
    await h.settle();
    expect(h.nodeSends).toHaveLength(0);
    expect(h.published).toEqual([
      {
        to: 'A',
        env: {
          t: 'assign_bounced',
          from: 'B',
          node: 'n1',
          epoch: 7,
          why: 'stale_epoch',
          sessionId: 's1',
          jobId: 'j1',
          attempt: 2,
        },
      },
      {
        to: 'A',
        env: {
          t: 'assign_bounced',
          from: 'B',
          node: 'gone',
          epoch: 1,
          why: 'node_gone',
          sessionId: 's1',
          jobId: 'j2',
          attempt: 2,
        },
      },
    ]);
  });

  it('drops a job_cancel for a socket no longer here without bouncing it', async () => {
    const h = harness('B');
    h.receive({ t: 'node', from: 'A', node: 'n1', epoch: 1, frame: { type: 'job_cancel', job_id: 'j1' } });
    await h.settle();
    expect(h.published).toHaveLength(0);
    expect(h.dropped).toEqual(['node_gone']);
  });

  it('turns a bounced assign into a released reservation and a retryable failure for the session', async () => {
    const h = harness('A');
    h.sessionEvents.set('s1', []);
    h.receive({
      t: 'assign_bounced',
      from: 'B',
      node: 'n1',
      epoch: 7,
      why: 'node_gone',
      sessionId: 's1',
      jobId: 'j1',
      attempt: 2,
    });
    await h.settle();
    expect(h.released).toEqual([{ sessionId: 's1', jobId: 'j1', attempt: 2, nodeId: 'n1' }]);
    expect(h.sessionEvents.get('s1')).toMatchObject([
      { kind: 'failed', jobId: 'j1', attempt: 2, nodeId: 'n1', code: 'NODE_UNAVAILABLE', retryable: true },
    ]);
  });

  it('delivers a session envelope locally, or bounces it when the session is not here', async () => {
    const h = harness('B');
    h.sessionEvents.set('s1', []);
    h.receive({ t: 'session', from: 'A', hops: 0, event: result('s1') });
    h.receive({ t: 'session', from: 'A', hops: 1, event: result('s2') });
    await h.settle();
    expect(h.sessionEvents.get('s1')).toHaveLength(1);
    expect(h.published).toEqual([
      { to: 'A', env: { t: 'session_bounced', from: 'B', hops: 1, event: result('s2') } },
    ]);
  });

  it('re-routes a bounced session event to the owner Redis names now, at most MAX_HOPS times', async () => {
    const h = harness('A');
    h.owners.set('s1', 'C');
    h.receive({ t: 'session_bounced', from: 'B', hops: 0, event: result('s1') });
    await h.settle();
    expect(h.published).toEqual([
      { to: 'C', env: { t: 'session', from: 'A', hops: 1, event: result('s1') } },
    ]);
    h.receive({ t: 'session_bounced', from: 'C', hops: MAX_HOPS, event: result('s1') });
    h.owners.set('s3', 'B');
    h.receive({ t: 'session_bounced', from: 'B', hops: 0, event: result('s3') });
    await h.settle();
    expect(h.published).toHaveLength(1);
    expect(h.dropped).toEqual(['too_many_hops', 'session_gone']);
  });

  it('a re-routed event whose session now lives here is delivered locally', async () => {
    const h = harness('A');
    h.owners.set('s1', 'A');
    h.sessionEvents.set('s1', []);
    h.receive({ t: 'session_bounced', from: 'B', hops: 0, event: result('s1') });
    await h.settle();
    expect(h.sessionEvents.get('s1')).toHaveLength(1);
    expect(h.published).toHaveLength(0);
  });

  it('a fence closes only an older local registration', () => {
    const h = harness('A');
    h.nodes.set('n1', 3);
    h.sessionEvents.set('s1', []);
    h.sessionEpochs.set('s1', 5);
    h.receive({ t: 'fence', from: 'B', kind: 'node', id: 'n1', epoch: 3 });
    h.receive({ t: 'fence', from: 'B', kind: 'session', id: 's1', epoch: 5 });
    expect(h.fencedNodes).toEqual([]);
    expect(h.fencedSessions).toEqual([]);
    h.receive({ t: 'fence', from: 'B', kind: 'node', id: 'n1', epoch: 4 });
    h.receive({ t: 'fence', from: 'B', kind: 'session', id: 's1', epoch: 6 });
    h.receive({ t: 'fence', from: 'B', kind: 'node', id: 'unknown', epoch: 9 });
    expect(h.fencedNodes).toEqual(['n1']);
    expect(h.fencedSessions).toEqual(['s1']);
    expect(h.onFenced).toEqual(['node:n1', 'session:s1']);
  });

  it('skips what it cannot decode', () => {
    const h = harness('A');
    h.router.onInboxMessage('{not json');
    h.router.onInboxMessage(JSON.stringify({ t: 'node', from: 'B', node: 'n1' }));
    h.router.onInboxMessage(JSON.stringify({ t: 'teleport', from: 'B' }));
    expect(h.dropped).toEqual(['malformed', 'malformed', 'malformed']);
  });
});

describe('envelope', () => {
  it('round-trips every kind and refuses malformed ones', () => {
    const all: Envelope[] = [
      { t: 'node', from: 'A', node: 'n', epoch: 1, frame: { type: 'job_cancel', job_id: 'j' } },
      { t: 'session', from: 'A', hops: 0, event: result() },
      { t: 'session_bounced', from: 'A', hops: 1, event: result() },
      {
        t: 'assign_bounced',
        from: 'A',
        node: 'n',
        epoch: 1,
        why: 'stale_epoch',
        sessionId: 's',
        jobId: 'j',
        attempt: 1,
      },
      { t: 'fence', from: 'A', kind: 'node', id: 'n', epoch: 2 },
    ];
    for (const e of all) expect(decodeEnvelope(encodeEnvelope(e))).toEqual(e);
    expect(decodeEnvelope('[]')).toBeUndefined();
    expect(
      decodeEnvelope(JSON.stringify({ t: 'fence', from: 'A', kind: 'pool', id: 'x', epoch: 1 })),
    ).toBeUndefined();
    expect(
      decodeEnvelope(JSON.stringify({ t: 'session', from: 'A', hops: -1, event: result() })),
    ).toBeUndefined();
    expect(
      decodeEnvelope(JSON.stringify({ t: 'session', from: 'A', hops: 0, event: { kind: 'other' } })),
    ).toBeUndefined();
    // A result travels with its resolution (kind and frames), never as bare frames.
    const bare = { ...result(), resolution: undefined, frames: [] };
    expect(decodeEnvelope(JSON.stringify({ t: 'session', from: 'A', hops: 0, event: bare }))).toBeUndefined();
    const unknownKind = { ...result(), resolution: { kind: 'maybe', frames: [] } };
    expect(
      decodeEnvelope(JSON.stringify({ t: 'session', from: 'A', hops: 0, event: unknownKind })),
    ).toBeUndefined();
  });
});
