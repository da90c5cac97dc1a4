/**
 * The exactly-once invariant over random scenarios on real sockets and real Redis: every accepted utterance index
 * resolves exactly once, in index order, with the resolution its node behaviour implies — whatever the mix of result
 * latencies, failures, silent nodes (deadline → retry elsewhere), late results and duplicates. 10 runs × 100
 * concurrent sessions = 1,000 scenarios per topology.
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

const JOB_TIMEOUT_MS = 400;
const LATE_MS = JOB_TIMEOUT_MS + 150;
const SESSIONS_PER_RUN = 100;
const RUNS = 10;

type Step = 'ok' | 'dup' | 'fail' | 'no_text' | 'silent' | 'late';
interface Plan {
  first: Step;
  second: Step;
  delayMs: number;
}

const stepArb = fc.constantFrom<Step>('ok', 'ok', 'dup', 'fail', 'no_text', 'silent', 'late');
const planArb = fc.record({ first: stepArb, second: stepArb, delayMs: fc.integer({ min: 0, max: 60 }) });
const scenarioArb = fc.array(planArb, { minLength: 1, maxLength: 4 });

/** What the client must see for one utterance, as [frame type, reason or code]. */
function expected(p: Plan): [string, string] {
  const decide = (s: Step, last: boolean): [string, string] | undefined => {
    if (s === 'ok' || s === 'dup') return ['translation_result', ''];
    if (s === 'fail') return ['missing_result', 'job_failed'];
    if (s === 'no_text') return ['missing_result', 'no_text'];
    return last ? ['missing_result', 'job_timeout'] : undefined;
  };
  return decide(p.first, false) ?? (decide(p.second, true) as [string, string]);
}

/** Frames a node sends that must lose their fence: duplicates and results after the deadline. */
function staleFrames(p: Plan): number {
  const count = (s: Step): number => (s === 'dup' || s === 'late' ? 1 : 0);
  const retried = p.first === 'silent' || p.first === 'late';
  return count(p.first) + (retried ? count(p.second) : 0);
}

function action(step: Step, delayMs: number): NodeAction {
  switch (step) {
    case 'ok':
      return { kind: 'result', delayMs };
    case 'dup':
      return { kind: 'duplicate', delayMs };
    case 'fail':
      return { kind: 'fail', delayMs, code: 'NMT_TIMEOUT' };
    case 'no_text':
      return {
        kind: 'result',
        delayMs,
        result: { text_asr: '', text_translated: '', extra: { reason: 'NO_TEXT_ASSIGNED' } },
      };
    case 'silent':
      return { kind: 'silent' };
    case 'late':
      return { kind: 'result', delayMs: LATE_MS };
  }
}

/** The frame that resolves an index (exactly one per index: the invariant under test). */
const resolutionOf = (f: Frame): [number, string, string] | undefined => {
  if (f.type === 'translation_result') return [Number(f.utterance_index), f.type, ''];
  if (f.type === 'missing_result') return [Number(f.utterance_index), f.type, String(f.reason)];
  return undefined;
};
/** Indexes the client was told about with an `error` (a node failure shows as an alert). */
const erroredIndexes = (c: TestClient): number[] =>
  c.all('error').map((f) => Number((f.details as { utterance_index?: number } | undefined)?.utterance_index));

forEachTopology('exactly-once resolution', (target) => {
  let gw: TestGateway;
  let nodes: ScriptedNode[];
  const plans = new Map<string, Plan>();

  const staleCount = (): Promise<number> => gw.metricSum('lingua_job_frames_stale_total{');

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      LINGUA_JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS),
      LINGUA_JOB_MAX_ATTEMPTS: '2',
      LINGUA_RESULT_GAP_MS: '60000',
      LINGUA_RATE_LIMIT_PER_S: '1000',
      LINGUA_RATE_LIMIT_BURST: '1000',
      // The nodes ask for 1,000 slots; the gateway grants at most this.
      LINGUA_NODE_MAX_JOBS: '1000',
      // 100 concurrent sessions from one loopback address.
      LINGUA_MAX_CONNECTIONS_PER_IP: '0',
    });
    const behaviour = (a: JobAssign): NodeAction => {
      const plan = plans.get(`${a.session_id}:${a.utterance_index}`);
      if (!plan) return { kind: 'fail', code: 'UNEXPECTED_JOB' };
      return action(a.attempt_id === 1 ? plan.first : plan.second, plan.delayMs);
    };
    nodes = await Promise.all(
      Array.from({ length: 3 }, () =>
        ScriptedNode.start(gw.wsUrl('/ws/node'), { behaviour, register: { max_concurrent_jobs: 1000 } }),
      ),
    );
    await poll(() => gw.parts.index.candidatePools('zh', 'en').length > 0, { what: 'index has the nodes' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await gw.stop();
  });

  it('every accepted index resolves exactly once, in order, as its node behaviour implies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(scenarioArb, { minLength: SESSIONS_PER_RUN, maxLength: SESSIONS_PER_RUN }),
        async (batch) => {
          const staleBefore = await staleCount();
          const clients = await Promise.all(
            batch.map(async (scenario) => {
              const c = await TestClient.connect(gw.wsUrl('/ws/session'));
              await c.init();
              scenario.forEach((p, i) => plans.set(`${c.sessionId}:${i}`, p));
              return c;
            }),
          );
          try {
            clients.forEach((c, s) =>
              batch[s]!.forEach((_, i) =>
                c.send({
                  type: 'utterance',
                  session_id: c.sessionId,
                  utterance_index: i,
                  manual_cut: true,
                  src_lang: 'zh',
                  tgt_lang: 'en',
                  audio: 'AgAHBw==',
                  audio_format: 'opus',
                  sample_rate: 16000,
                }),
              ),
            );
            const resolved = (c: TestClient) => c.received.map(resolutionOf).filter((r) => r !== undefined);
            await poll(() => clients.every((c, s) => resolved(c).length >= batch[s]!.length), {
              what: 'every index resolved',
              timeoutMs: 10_000,
              intervalMs: 20,
            });
            const wantStale = batch.flat().reduce((n, p) => n + staleFrames(p), 0);
            await poll(
              async () =>
                nodes.every((n) => n.pendingAnswers === 0) && (await staleCount()) - staleBefore >= wantStale,
              {
                what: 'late and duplicate answers processed',
                timeoutMs: 10_000,
              },
            );
            expect((await staleCount()) - staleBefore).toBe(wantStale);
            clients.forEach((c, s) => {
              const got = resolved(c);
              const want = batch[s]!.map((p, i) => [i, ...expected(p)]);
              expect(got, JSON.stringify(batch[s])).toEqual(want);
              // a node failure is also shown as an error with the node's code, once, for that index only
              const failed = batch[s]!.flatMap((p, i) => (expected(p)[1] === 'job_failed' ? [i] : []));
              expect(erroredIndexes(c)).toEqual(failed);
              expect(c.all('error').every((e) => e.code === 'NMT_TIMEOUT')).toBe(true);
            });
            return true;
          } finally {
            await Promise.all(clients.map((c) => c.close()));
          }
        },
      ),
      { numRuns: RUNS },
    );
    // never the same job, nor the same (session, utterance), twice to one node
    for (const n of nodes) {
      expect(new Set(n.assigns.map((a) => a.job_id)).size).toBe(n.assigns.length);
      expect(new Set(n.assigns.map((a) => `${a.session_id}:${a.utterance_index}`)).size).toBe(
        n.assigns.length,
      );
    }
    await poll(() => gw.parts.sessions.inFlight() === 0, { what: 'nothing left in flight' });
  }, 180_000);
});
