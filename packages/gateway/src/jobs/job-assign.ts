/**
 * Builds `job_assign` (gateway → node, docs/protocol.md "gateway → node") from what the session negotiated and what
 * the segmenter cut. Pure. The encoder drops false cut flags; here they are simply left out unless true.
 */
import type { AudioFormat, Features, JobAssign, Pipeline, SessionMode } from '@lingua/protocol';
import type { NodeAccess } from './node-access.js';

/** What a session contributes to every job it creates. */
export interface SessionJobParams {
  sessionId: string;
  traceId: string;
  srcLang: string;
  tgtLang: string;
  dialect?: string;
  features?: Features;
  mode?: SessionMode;
  langA?: string;
  langB?: string;
  autoLangs?: string[];
  enableStreamingAsr?: boolean;
  partialUpdateIntervalMs?: number;
  /** Which private nodes may serve the session's jobs (not sent to nodes). */
  access?: NodeAccess;
}

/** One utterance ready for a node. */
export interface UtteranceJob {
  utteranceIndex: number;
  /** Base64 of the utterance audio (encoded once, reused by retries). */
  audio: string;
  audioFormat: AudioFormat;
  sampleRate: number;
  pipeline: Pipeline;
  isManualCut: boolean;
  isTimeoutTriggered: boolean;
  isMaxDurationTriggered: boolean;
  turnId?: string;
  paddingMs?: number;
  /** Overrides of the session's languages carried by an `utterance` message. */
  srcLang?: string;
  tgtLang?: string;
}

export const DEFAULT_PIPELINE: Pipeline = Object.freeze({ use_asr: true, use_nmt: true, use_tts: true });

export function buildJobAssign(
  s: SessionJobParams,
  u: UtteranceJob,
  jobId: string,
  attempt: number,
): JobAssign {
  const msg: JobAssign = {
    type: 'job_assign',
    job_id: jobId,
    attempt_id: attempt,
    session_id: s.sessionId,
    utterance_index: u.utteranceIndex,
    src_lang: u.srcLang ?? s.srcLang,
    tgt_lang: u.tgtLang ?? s.tgtLang,
    pipeline: u.pipeline,
    audio: u.audio,
    audio_format: u.audioFormat,
    sample_rate: u.sampleRate,
    trace_id: s.traceId,
  };
  if (s.dialect !== undefined) msg.dialect = s.dialect;
  if (s.features !== undefined) msg.features = s.features;
  if (s.mode !== undefined) msg.mode = s.mode;
  if (s.langA !== undefined) msg.lang_a = s.langA;
  if (s.langB !== undefined) msg.lang_b = s.langB;
  if (s.autoLangs !== undefined) msg.auto_langs = s.autoLangs;
  if (s.enableStreamingAsr !== undefined) msg.enable_streaming_asr = s.enableStreamingAsr;
  if (s.partialUpdateIntervalMs !== undefined) msg.partial_update_interval_ms = s.partialUpdateIntervalMs;
  if (u.paddingMs !== undefined) msg.padding_ms = u.paddingMs;
  if (u.isManualCut) msg.is_manual_cut = true;
  if (u.isTimeoutTriggered) msg.is_timeout_triggered = true;
  if (u.isMaxDurationTriggered) msg.is_max_duration_triggered = true;
  if (u.turnId !== undefined) msg.turn_id = u.turnId;
  return msg;
}
