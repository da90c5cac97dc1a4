/**
 * One scripted client session: stream generated speech-like utterances in real time (256 ms chunks), end each
 * with `is_final`, and report every result with its latency (end of utterance → result) and the route its job
 * took. Fails with a one-line DemoError when an utterance is not translated in time.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  CHUNK_MS,
  SessionClient,
  TARGET_SAMPLE_RATE,
  chunkUtterance,
  generateSpeechLike,
  type ClientError,
} from '@lingua/client';
import type { SessionMode, TranslationResult } from '@lingua/protocol';
import { DemoError } from './errors.js';
import type { JobRoute, RouteReader } from './routes.js';

export interface ConversationSpec {
  label: string;
  srcLang: string;
  tgtLang: string;
  mode: SessionMode;
  langA?: string;
  langB?: string;
  /** Length of each generated utterance. */
  utteranceMs: number[];
  seed: number;
}

/** en → zh one way, and a two-way conversation between en and ja with the language left to the node. */
export const DEMO_CONVERSATIONS: readonly ConversationSpec[] = [
  { label: 'A', srcLang: 'en', tgtLang: 'zh', mode: 'one_way', utteranceMs: [1400, 900, 1700], seed: 11 },
  {
    label: 'B',
    srcLang: 'auto',
    tgtLang: 'ja',
    mode: 'two_way_auto',
    langA: 'en',
    langB: 'ja',
    utteranceMs: [1200, 1600, 1000],
    seed: 23,
  },
];

const PAUSE_BETWEEN_UTTERANCES_MS = 400;

/** How long after its end an utterance may take to be translated before the demo gives up. */
export const RESULT_DEADLINE_MS = 12_000;

export interface UtteranceOutcome {
  label: string;
  index: number;
  audioMs: number;
  /** Languages of the job as the node received it (`auto→ja` for two-way). */
  languages: string;
  result: TranslationResult;
  latencyMs: number;
  route: JobRoute | undefined;
}

export interface ConversationContext {
  url: string;
  /** Instance the session connects to (shown in the header). */
  gatewayName: string;
  routes: RouteReader;
  /** src→tgt of a job as it was assigned, when known. */
  jobLanguages(jobId: string): string | undefined;
  print(line: string): void;
}

export function describeConversation(spec: ConversationSpec): string {
  return spec.mode === 'two_way_auto'
    ? `${spec.langA ?? '?'} ⇄ ${spec.langB ?? '?'} (two_way_auto)`
    : `${spec.srcLang} → ${spec.tgtLang} (one_way)`;
}

export async function runConversation(
  spec: ConversationSpec,
  ctx: ConversationContext,
): Promise<UtteranceOutcome[]> {
  const client = new SessionClient({
    url: ctx.url,
    srcLang: spec.srcLang,
    tgtLang: spec.tgtLang,
    mode: spec.mode,
    ...(spec.langA === undefined ? {} : { langA: spec.langA }),
    ...(spec.langB === undefined ? {} : { langB: spec.langB }),
    audioFormat: 'pcm16',
    sampleRate: TARGET_SAMPLE_RATE,
    reconnect: false,
  });
  const failure = new AbortController();
  const fail = (err: DemoError) => {
    if (!failure.signal.aborted) failure.abort(err);
  };
  client.on('error', (err: ClientError) => {
    const code = err.gateway?.code;
    fail(
      new DemoError(
        'SESSION_FAILED',
        `session ${spec.label}: gateway error ${code ?? err.code}: ${err.gateway?.message ?? err.message}`,
      ),
    );
  });
  client.on('missing', (m) =>
    fail(
      new DemoError(
        'RESULT_MISSING',
        `session ${spec.label}: utterance #${m.utterance_index} got missing_result (${m.reason}) instead of a translation`,
      ),
    ),
  );
  client.on('closed', () =>
    fail(new DemoError('SESSION_FAILED', `session ${spec.label}: the gateway closed the session socket`)),
  );

  const outcomes: UtteranceOutcome[] = [];
  // Route reads are async; chaining them keeps the printed transcript in result order.
  let printing: Promise<void> = Promise.resolve();
  client.on('result', (result) => {
    const record = client.utterances.get(result.session_id, result.utterance_index);
    const latencyMs =
      record?.finalizedAt === undefined ? Number.NaN : (record.resolvedAt ?? Date.now()) - record.finalizedAt;
    const languages = ctx.jobLanguages(result.job_id) ?? `${spec.srcLang}→${spec.tgtLang}`;
    const audioMs = spec.utteranceMs[result.utterance_index] ?? Number.NaN;
    printing = printing.then(async () => {
      const route = await ctx.routes.read(result.session_id, result.job_id).catch(() => undefined);
      const outcome = {
        label: spec.label,
        index: result.utterance_index,
        audioMs,
        languages,
        result,
        latencyMs,
        route,
      };
      outcomes.push(outcome);
      for (const line of formatOutcome(outcome)) ctx.print(line);
    });
  });

  let ack;
  try {
    ack = await client.connect();
  } catch (err) {
    throw new DemoError('SESSION_FAILED', `session ${spec.label} could not open: ${(err as Error).message}`, {
      cause: err,
    });
  }
  ctx.print('');
  ctx.print(
    `Session ${spec.label}  ${describeConversation(spec)} on ${ctx.gatewayName} · session ${ack.session_id}`,
  );

  try {
    for (const [i, durationMs] of spec.utteranceMs.entries()) {
      const speech = generateSpeechLike({ durationMs, seed: spec.seed * 100 + i });
      for (const chunk of chunkUtterance(speech, { format: 'pcm16', sampleRate: TARGET_SAMPLE_RATE })) {
        failure.signal.throwIfAborted();
        client.sendAudio(chunk);
        await delay(CHUNK_MS, undefined, { signal: failure.signal });
      }
      client.finalize();
      // A speaker pauses between sentences. Without it the next utterance's first chunk would land within the
      // gateway's grace for a chunk trailing the final frame, and be counted to this utterance.
      await delay(PAUSE_BETWEEN_UTTERANCES_MS, undefined, { signal: failure.signal });
    }
    await Promise.race([
      client.waitForAllResolved(RESULT_DEADLINE_MS),
      new Promise<never>((_, reject) => {
        failure.signal.addEventListener('abort', () => reject(failure.signal.reason as Error), {
          once: true,
        });
        if (failure.signal.aborted) reject(failure.signal.reason as Error);
      }),
    ]);
    await printing;
  } catch (err) {
    if (failure.signal.aborted) throw failure.signal.reason as DemoError;
    const unresolved = client.utterances.unresolved()[0];
    if (unresolved !== undefined) {
      throw new DemoError(
        'RESULT_MISSING',
        `session ${spec.label}: utterance #${unresolved.index} has no result ${RESULT_DEADLINE_MS} ms after it ended`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    client.removeAllListeners('closed');
    await client.close().catch(() => undefined);
  }
  return outcomes;
}

export function formatOutcome(o: UtteranceOutcome): string[] {
  const r = o.result;
  const seconds = Number.isNaN(o.audioMs) ? '?' : (o.audioMs / 1000).toFixed(1);
  const head =
    `  ${o.label}#${o.index}  ${o.languages.padEnd(7)} ${seconds} s of speech  ` +
    `${JSON.stringify(r.text_asr)} → ${JSON.stringify(r.text_translated)}  +${Math.round(o.latencyMs)} ms`;
  const route = o.route;
  const via =
    route === undefined
      ? '       route  (not found in Redis)'
      : `       route  ${route.sessionInstance} → node ${route.nodeId} @ ${route.nodeInstance} · attempt ${route.attempt}` +
        (route.triedBefore.length > 0 ? ` (after ${route.triedBefore.join(', ')})` : '');
  return [head, via];
}
