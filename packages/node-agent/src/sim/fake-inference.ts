/**
 * The simulator's "models": after a sampled latency, deterministic text derived from the audio received, so
 * tests can check that the right audio reached the right node and came back to the right utterance:
 *   text_asr        `utt#<utterance_index> <packets>p`
 *   text_translated `[<tgt_lang>] utt#<utterance_index> <packets>p`
 * where packets = Plan A packet count (opus) or the number of 20 ms frames (pcm16, rounded up). With TTS on, the
 * audio is pcm16 silence as long as the input. Like the real agent, it refuses a repeated job id or
 * (session, utterance index) for its whole lifetime.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { parseOpusPlanA, type JobAssign, type Random } from '@lingua/protocol';
import { PROCESSING_ERROR, type JobContext, type JobHandler, type JobOutcome } from '../job-types.js';
import { sampleLatency, type Latency } from './latency.js';

export interface FakeInferenceOptions {
  latency: Latency;
  /** Probability in [0, 1] that a job fails with PROCESSING_ERROR. */
  failureRate: number;
  /** Return TTS audio (when the job's pipeline asks for it). */
  tts: boolean;
  random: Random;
  /** Refuse repeated job ids / (session, utterance) pairs like the real agent. Default true. */
  rejectRepeats?: boolean;
}

const FRAME_MS = 20;
const TTS_SAMPLE_RATE = 16_000;

export interface AudioMeasure {
  bytes: number;
  packets: number;
  durationMs: number;
}

/** Packet count and duration of a job's audio; undefined when Plan A framing is broken. */
export function measureAudio(
  job: Pick<JobAssign, 'audio' | 'audio_format' | 'sample_rate'>,
): AudioMeasure | undefined {
  const bytes = Buffer.from(job.audio, 'base64');
  if (job.audio_format === 'opus') {
    const planA = parseOpusPlanA(bytes);
    return planA.valid
      ? { bytes: bytes.byteLength, packets: planA.packets, durationMs: planA.durationMs }
      : undefined;
  }
  const frameBytes = (job.sample_rate * 2 * FRAME_MS) / 1000;
  const packets = Math.ceil(bytes.byteLength / frameBytes);
  return { bytes: bytes.byteLength, packets, durationMs: (bytes.byteLength / 2 / job.sample_rate) * 1000 };
}

export function fakeTexts(job: Pick<JobAssign, 'utterance_index' | 'tgt_lang'>, packets: number) {
  const asr = `utt#${job.utterance_index} ${packets}p`;
  return { text_asr: asr, text_translated: `[${job.tgt_lang}] ${asr}` };
}

export function createFakeInference(opts: FakeInferenceOptions): JobHandler {
  const seenJobs = new Set<string>();
  const seenUtterances = new Set<string>();
  const rejectRepeats = opts.rejectRepeats ?? true;

  return {
    async handle(job: JobAssign, ctx: JobContext): Promise<JobOutcome> {
      if (rejectRepeats) {
        const repeat = checkRepeat(job, seenJobs, seenUtterances);
        if (repeat !== undefined)
          return { success: false, error: { code: PROCESSING_ERROR, message: repeat } };
      }
      const latencyMs = sampleLatency(opts.latency, opts.random);
      const fails = opts.random() < opts.failureRate;
      const audio = measureAudio(job);
      if (job.enable_streaming_asr === true) {
        await delay(latencyMs / 2, undefined, { signal: ctx.signal });
        ctx.partial(`utt#${job.utterance_index}`, false);
        await delay(latencyMs - latencyMs / 2, undefined, { signal: ctx.signal });
      } else {
        await delay(latencyMs, undefined, { signal: ctx.signal });
      }
      if (audio === undefined) {
        return {
          success: false,
          error: { code: PROCESSING_ERROR, message: 'audio is not valid Plan A framing' },
        };
      }
      if (fails) return { success: false, error: { code: PROCESSING_ERROR, message: 'simulated failure' } };
      const texts = fakeTexts(job, audio.packets);
      if (job.enable_streaming_asr === true) ctx.partial(texts.text_asr, true);
      const withTts = opts.tts && job.pipeline.use_tts;
      const ttsBytes = withTts ? Math.round((audio.durationMs / 1000) * TTS_SAMPLE_RATE) * 2 : 0;
      const third = Math.round(latencyMs / 3);
      return {
        success: true,
        ...texts,
        tts_audio: ttsBytes > 0 ? Buffer.alloc(ttsBytes).toString('base64') : '',
        tts_format: 'pcm16',
        extra: {
          service_timings: {
            asr_ms: third,
            nmt_ms: third,
            tts_ms: latencyMs - 2 * third,
            total_ms: latencyMs,
          },
        },
        processing_time_ms: latencyMs,
        asr_quality_level: 'good',
      };
    },
  };
}

function checkRepeat(job: JobAssign, jobs: Set<string>, utterances: Set<string>): string | undefined {
  const utterance = `${job.session_id}|${job.utterance_index}`;
  if (jobs.has(job.job_id)) return `DUPLICATE_JOB_ID ${job.job_id}`;
  if (utterances.has(utterance)) return `DUPLICATE_UTTERANCE_INDEX ${utterance}`;
  jobs.add(job.job_id);
  utterances.add(utterance);
  return undefined;
}
