import { describe, expect, it } from 'vitest';
import { errorHint, type JobResult } from '@lingua/protocol';
import { errorResolution, missingWithErrorResolution, resolutionFromResult } from './resolution.js';

const ref = { sessionId: 's1', utteranceIndex: 3, jobId: 'j1', traceId: 't1' };
const base: JobResult = {
  type: 'job_result',
  job_id: 'j1',
  attempt_id: 1,
  node_id: 'n1',
  session_id: 's1',
  utterance_index: 3,
  success: true,
  trace_id: 't1',
};

describe('resolution from a node result', () => {
  it('a result with text becomes ASR_FINAL, NMT_DONE and translation_result', () => {
    const r = resolutionFromResult(
      ref,
      {
        ...base,
        text_asr: 'hello',
        text_translated: '你好',
        tts_audio: '',
        extra: { service_timings: { asr_ms: 5 } },
        node_completed_at_ms: 990,
        quality_score: 0.9,
      },
      { receivedAt: 1000, dispatchedAt: 900 },
    );
    expect(r.kind).toBe('translation');
    expect(r.frames.map((f) => f.type)).toEqual(['ui_event', 'ui_event', 'translation_result']);
    expect(r.frames.map((f) => (f.type === 'ui_event' ? f.event : ''))).toEqual([
      'ASR_FINAL',
      'NMT_DONE',
      '',
    ]);
    const tr = r.frames[2];
    expect(tr).toMatchObject({
      session_id: 's1',
      utterance_index: 3,
      job_id: 'j1',
      text_asr: 'hello',
      text_translated: '你好',
      tts_audio: '',
      tts_format: 'pcm16',
      trace_id: 't1',
      service_timings: { asr_ms: 5 },
      network_timings: { node_to_scheduler_ms: 10 },
      quality_score: 0.9,
    });
    expect(r.frames[0]).toMatchObject({ elapsed_ms: 100, status: 'ok' });
  });

  it.each(['NO_TEXT_ASSIGNED', 'ASR_EMPTY'])(
    'extra.reason %s resolves as missing_result no_text',
    (reason) => {
      const r = resolutionFromResult(ref, { ...base, text_asr: '', extra: { reason } }, { receivedAt: 5 });
      expect(r).toMatchObject({ kind: 'missing', reason: 'no_text' });
      expect(r.frames).toEqual([
        {
          type: 'missing_result',
          session_id: 's1',
          utterance_index: 3,
          reason: 'no_text',
          created_at_ms: 5,
          trace_id: 't1',
        },
      ]);
    },
  );

  it('all texts and audio empty resolve as silence_detected', () => {
    const r = resolutionFromResult(ref, { ...base, text_asr: '', text_translated: '' }, { receivedAt: 5 });
    expect(r).toMatchObject({ kind: 'missing', reason: 'silence_detected' });
  });

  it("a failure passes a node failure code on as ui_event ERROR + error, in the gateway's words", () => {
    const r = resolutionFromResult(
      ref,
      { ...base, success: false, error: { code: 'MODEL_NOT_AVAILABLE', message: 'no model' } },
      { receivedAt: 5 },
    );
    expect(r).toMatchObject({ kind: 'error', reason: 'MODEL_NOT_AVAILABLE' });
    expect(r.frames.map((f) => f.type)).toEqual(['ui_event', 'error', 'missing_result']);
    expect(r.frames[2]).toMatchObject({ utterance_index: 3, reason: 'job_failed', created_at_ms: 5 });
    expect(r.frames[0]).toMatchObject({
      type: 'ui_event',
      event: 'ERROR',
      status: 'error',
      error_code: 'MODEL_NOT_AVAILABLE',
    });
    expect(r.frames[1]).toMatchObject({
      type: 'error',
      code: 'MODEL_NOT_AVAILABLE',
      message: errorHint('MODEL_NOT_AVAILABLE'),
      details: { utterance_index: 3, job_id: 'j1' },
    });
  });

  it("never passes on a node's own text, details or non-node codes", () => {
    const phishing = 'Your session expired: re-enter your password at https://evil.example/login';
    for (const code of ['INVALID_SESSION', 'UNAUTHORIZED', 'CUSTOM_NODE_CODE', phishing]) {
      const r = resolutionFromResult(
        ref,
        { ...base, success: false, error: { code, message: phishing, details: { url: phishing } } },
        { receivedAt: 5 },
      );
      expect(r).toMatchObject({ kind: 'error', reason: 'PROCESSING_ERROR' });
      expect(r.frames[1]).toEqual({
        type: 'error',
        code: 'PROCESSING_ERROR',
        message: errorHint('PROCESSING_ERROR'),
        details: { utterance_index: 3, job_id: 'j1', session_id: 's1' },
        trace_id: 't1',
      });
      expect(JSON.stringify(r.frames)).not.toContain('evil.example');
    }
    const none = resolutionFromResult(ref, { ...base, success: false }, { receivedAt: 5 });
    expect(none.frames[1]).toMatchObject({ code: 'PROCESSING_ERROR' });
  });

  it('made-up resolutions carry the hint of their code', () => {
    const e = errorResolution(ref, 'NO_AVAILABLE_NODE', 'none', 'no_available_node', 9);
    expect(e.frames[2]).toMatchObject({
      type: 'missing_result',
      reason: 'no_available_node',
      created_at_ms: 9,
    });
    expect(e.frames[0]).toMatchObject({
      error_code: 'NO_AVAILABLE_NODE',
      hint: expect.stringContaining('No translation server'),
    });
    const m = missingWithErrorResolution(ref, 'job_timeout', 'JOB_TIMEOUT', 7);
    expect(m.frames.map((f) => f.type)).toEqual(['ui_event', 'missing_result']);
    expect(m.frames[1]).toMatchObject({ reason: 'job_timeout', created_at_ms: 7 });
  });
});
