import { describe, expect, it } from 'vitest';
import { encodeNodeFrame } from '@lingua/protocol';
import { buildJobAssign, DEFAULT_PIPELINE } from './job-assign.js';

describe('job_assign', () => {
  const session = {
    sessionId: 's1',
    traceId: 't1',
    srcLang: 'auto',
    tgtLang: 'en',
    mode: 'two_way_auto' as const,
    langA: 'zh',
    langB: 'en',
    enableStreamingAsr: true,
    partialUpdateIntervalMs: 1000,
  };
  it('carries every field the protocol lists, flags only when true', () => {
    const msg = buildJobAssign(
      session,
      {
        utteranceIndex: 4,
        audio: 'AAAA',
        audioFormat: 'opus',
        sampleRate: 16000,
        pipeline: DEFAULT_PIPELINE,
        isManualCut: false,
        isTimeoutTriggered: false,
        isMaxDurationTriggered: true,
        turnId: 'turn-1',
        paddingMs: 220,
      },
      'j1',
      2,
    );
    expect(JSON.parse(encodeNodeFrame(msg))).toEqual({
      type: 'job_assign',
      job_id: 'j1',
      attempt_id: 2,
      session_id: 's1',
      utterance_index: 4,
      src_lang: 'auto',
      tgt_lang: 'en',
      pipeline: { use_asr: true, use_nmt: true, use_tts: true },
      audio: 'AAAA',
      audio_format: 'opus',
      sample_rate: 16000,
      mode: 'two_way_auto',
      lang_a: 'zh',
      lang_b: 'en',
      enable_streaming_asr: true,
      partial_update_interval_ms: 1000,
      trace_id: 't1',
      padding_ms: 220,
      is_max_duration_triggered: true,
      turn_id: 'turn-1',
    });
  });
});
