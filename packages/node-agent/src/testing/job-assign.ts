/** A valid job_assign for agent tests (pcm16, en → zh, no TTS). Test-only: excluded from the build. */
import type { JobAssign } from '@lingua/protocol';

export function jobAssign(id: string, utteranceIndex = 0, extra: Partial<JobAssign> = {}): JobAssign {
  return {
    type: 'job_assign',
    job_id: id,
    attempt_id: 1,
    session_id: 'sess-1',
    utterance_index: utteranceIndex,
    src_lang: 'en',
    tgt_lang: 'zh',
    pipeline: { use_asr: true, use_nmt: true, use_tts: false },
    audio: Buffer.alloc(640).toString('base64'),
    audio_format: 'pcm16',
    sample_rate: 16000,
    trace_id: `trace-${id}`,
    is_manual_cut: true,
    ...extra,
  };
}
