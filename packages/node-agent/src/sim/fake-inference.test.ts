import { describe, expect, it } from 'vitest';
import { seededRandom, type JobAssign } from '@lingua/protocol';
import type { JobContext } from '../job-types.js';
import { createFakeInference, measureAudio } from './fake-inference.js';

function planA(packets: number, packetBytes = 40): string {
  const out = Buffer.alloc(packets * (2 + packetBytes));
  for (let i = 0; i < packets; i++) out.writeUInt16LE(packetBytes, i * (2 + packetBytes));
  return out.toString('base64');
}

function job(extra: Partial<JobAssign> = {}): JobAssign {
  return {
    type: 'job_assign',
    job_id: 'j1',
    attempt_id: 1,
    session_id: 's1',
    utterance_index: 3,
    src_lang: 'en',
    tgt_lang: 'zh',
    pipeline: { use_asr: true, use_nmt: true, use_tts: true },
    audio: Buffer.alloc(16000 * 2).toString('base64'), // 1 s of pcm16
    audio_format: 'pcm16',
    sample_rate: 16000,
    trace_id: 't1',
    ...extra,
  };
}

function context(): JobContext & { partials: [string, boolean][]; abort(): void } {
  const controller = new AbortController();
  const partials: [string, boolean][] = [];
  return {
    signal: controller.signal,
    partial: (text, isFinal) => partials.push([text, isFinal]),
    partials,
    abort: () => controller.abort(new Error('cancelled')),
  };
}

const base = { latency: { minMs: 0, maxMs: 0 }, failureRate: 0, tts: true, random: seededRandom(1) };

describe('measureAudio', () => {
  it('counts Plan A packets and 20 ms pcm16 frames', () => {
    expect(measureAudio({ audio: planA(7), audio_format: 'opus', sample_rate: 16000 })).toMatchObject({
      packets: 7,
      durationMs: 140,
    });
    expect(
      measureAudio({
        audio: Buffer.alloc(641).toString('base64'),
        audio_format: 'pcm16',
        sample_rate: 16000,
      }),
    ).toMatchObject({ packets: 2 });
  });

  it('reports broken Plan A framing', () => {
    const broken = Buffer.from([10, 0, 1, 2]).toString('base64');
    expect(measureAudio({ audio: broken, audio_format: 'opus', sample_rate: 16000 })).toBeUndefined();
  });
});

describe('createFakeInference', () => {
  it('derives texts from the utterance index and audio, with TTS audio as long as the input', async () => {
    const outcome = await createFakeInference(base).handle(job(), context());
    expect(outcome).toMatchObject({
      success: true,
      text_asr: 'utt#3 50p',
      text_translated: '[zh] utt#3 50p',
      tts_format: 'pcm16',
    });
    expect(Buffer.from(outcome.tts_audio ?? '', 'base64').byteLength).toBe(32000);
  });

  it('counts Opus Plan A packets and leaves audio out without TTS', async () => {
    const outcome = await createFakeInference({ ...base, tts: false }).handle(
      job({ audio: planA(12), audio_format: 'opus', tgt_lang: 'ja' }),
      context(),
    );
    expect(outcome).toMatchObject({
      text_asr: 'utt#3 12p',
      text_translated: '[ja] utt#3 12p',
      tts_audio: '',
    });
  });

  it('sends a partial midway and a final partial when streaming ASR is on', async () => {
    const ctx = context();
    await createFakeInference({ ...base, latency: { minMs: 4, maxMs: 4 } }).handle(
      job({ enable_streaming_asr: true }),
      ctx,
    );
    expect(ctx.partials).toEqual([
      ['utt#3', false],
      ['utt#3 50p', true],
    ]);
  });

  it('fails at the configured rate', async () => {
    const outcome = await createFakeInference({ ...base, failureRate: 1 }).handle(job(), context());
    expect(outcome).toMatchObject({
      success: false,
      error: { code: 'PROCESSING_ERROR', message: 'simulated failure' },
    });
  });

  it('refuses a repeated job id or utterance for its lifetime, like the real agent', async () => {
    const inference = createFakeInference(base);
    expect((await inference.handle(job(), context())).success).toBe(true);
    expect(await inference.handle(job(), context())).toMatchObject({
      error: { message: 'DUPLICATE_JOB_ID j1' },
    });
    expect(await inference.handle(job({ job_id: 'j2' }), context())).toMatchObject({
      error: { message: 'DUPLICATE_UTTERANCE_INDEX s1|3' },
    });
    const lenient = createFakeInference({ ...base, rejectRepeats: false });
    await lenient.handle(job(), context());
    expect((await lenient.handle(job(), context())).success).toBe(true);
  });

  it('stops waiting when the job is cancelled', async () => {
    const ctx = context();
    const pending = createFakeInference({ ...base, latency: { minMs: 60_000, maxMs: 60_000 } }).handle(
      job(),
      ctx,
    );
    ctx.abort();
    await expect(pending).rejects.toThrow();
  });
});
