/**
 * Exactly-once when slots are scarce: sessions that keep speaking while their preferred node is full drive dispatch
 * through every branch of `Dispatcher.open` — the preferred node (job-open and select-reserve side by side), another
 * node of its shard (job-rebind), no node at all (the record closed as CANCELLED) — and every index must still
 * resolve exactly once, in order, without a node ever holding more jobs than its slots.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  forEachTopology,
  poll,
  ScriptedNode,
  type NodeAction,
  TestClient,
  type Frame,
} from '@lingua/testkit';
import type { JobAssign } from '@lingua/protocol';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

const SLOTS = 2;
const SESSIONS_PER_RUN = 24;
// Enough batches that the scarce branches (rebind, no node) run in every CI run, not only most of them.
const RUNS = 8;

const isResolution = (f: Frame): boolean => f.type === 'translation_result' || f.type === 'missing_result';

forEachTopology('scarce capacity', (target) => {
  let gw: TestGateway;
  let nodes: ScriptedNode[];
  /** Answer delay per (session, utterance index), as the property drew it. */
  const delays = new Map<string, number>();

  const scriptCalls = (script: string): Promise<number> =>
    gw.metricSum(`lingua_redis_script_duration_seconds_count{script="${script}",`);

  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_RATE_LIMIT_PER_S: '1000', LINGUA_RATE_LIMIT_BURST: '1000' });
    const behaviour = (a: JobAssign): NodeAction => ({
      kind: 'result',
      delayMs: delays.get(`${a.session_id}:${a.utterance_index}`) ?? 0,
    });
    nodes = await Promise.all(
      Array.from({ length: 3 }, () =>
        ScriptedNode.start(gw.wsUrl('/ws/node'), {
          behaviour,
          register: {
            language_capabilities: { asr_languages: ['sv', 'fi'], semantic_languages: ['sv', 'fi'] },
            max_concurrent_jobs: SLOTS,
          },
        }),
      ),
    );
    await poll(() => gw.parts.index.candidatePools('sv', 'fi').length > 0, { what: 'index has the nodes' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await gw.stop();
  });

  it('every index resolves once, in order; no node over its slots; no record left open', async () => {
    const rebindsBefore = await scriptCalls('job-rebind');
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 2, maxLength: 5 }), {
          minLength: SESSIONS_PER_RUN,
          maxLength: SESSIONS_PER_RUN,
        }),
        async (batch) => {
          const clients = await Promise.all(
            batch.map(async (answerDelays) => {
              const c = await TestClient.connect(gw.wsUrl('/ws/session'));
              await c.init({ src_lang: 'sv', tgt_lang: 'fi' });
              answerDelays.forEach((ms, i) => delays.set(`${c.sessionId}:${i}`, ms));
              return c;
            }),
          );
          try {
            // Each session speaks again as soon as its last utterance was dispatched or resolved, so it has a
            // preferred node while that node may still be busy.
            await Promise.all(
              clients.map(async (c, s) => {
                for (let i = 0; i < batch[s]!.length; i++) {
                  c.send({
                    type: 'utterance',
                    session_id: c.sessionId,
                    utterance_index: i,
                    manual_cut: true,
                    src_lang: 'sv',
                    tgt_lang: 'fi',
                    audio: 'AgAHBw==',
                    audio_format: 'opus',
                    sample_rate: 16000,
                  });
                  await c.next(
                    ['ui_event', 'translation_result', 'missing_result'],
                    (f) => f.utterance_index === i && (f.type !== 'ui_event' || f.event === 'DISPATCHED'),
                  );
                }
              }),
            );
            await poll(
              () => clients.every((c, s) => c.received.filter(isResolution).length >= batch[s]!.length),
              { what: 'every index resolved', timeoutMs: 10_000, intervalMs: 20 },
            );
            for (const [s, c] of clients.entries()) {
              const got = c.received.filter(isResolution);
              expect(got.map((f) => f.utterance_index)).toEqual([...batch[s]!.keys()]);
              for (const f of got) {
                if (f.type === 'missing_result') expect(f.reason).toBe('no_available_node');
              }
              refused += got.filter((f) => f.type === 'missing_result').length;
              // Every record is settled: answered (COMPLETED) or closed for want of a node (CANCELLED).
              const records = await gw.parts.redis.client.hgetall(gw.parts.keys.session(c.sessionId).jobs);
              for (const raw of Object.values(records)) {
                expect(['COMPLETED', 'CANCELLED']).toContain((JSON.parse(raw) as { state: string }).state);
              }
            }
            return true;
          } finally {
            await Promise.all(clients.map((c) => c.close()));
          }
        },
      ),
      { numRuns: RUNS },
    );
    for (const n of nodes) expect(n.maxConcurrent).toBeLessThanOrEqual(SLOTS);
    // The scarce branches really ran: some slots landed off the preferred node, some utterances found none.
    expect(await scriptCalls('job-rebind')).toBeGreaterThan(rebindsBefore);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});
