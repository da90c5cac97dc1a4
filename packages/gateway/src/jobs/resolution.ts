/**
 * Resolutions: the frames that settle one utterance index for the client. Exactly one resolution goes out per
 * accepted index: a `translation_result`, a `missing_result`, or an `error` followed by a `missing_result`
 * (docs/protocol.md "Delivery guarantees to a session"), with the `ui_event`s that belong to it. So every index
 * gets exactly one translation_result or missing_result, whatever else comes with it. Pure builders, shared by the
 * node side (results) and the session side (gaps, timeouts, no node).
 */
import {
  errorHint,
  nodeFailureCode,
  type JobResult,
  type SessionOutbound,
  type UiEvent,
} from '@lingua/protocol';

export type ResolutionKind = 'translation' | 'missing' | 'error';

export interface Resolution {
  kind: ResolutionKind;
  /** The `missing_result` reason or the `error` code. */
  reason?: string;
  frames: SessionOutbound[];
  /** The `{s}:out` entry keeping it for a resume (node results only); acknowledged once the client has it. */
  outId?: string;
}

export interface IndexRef {
  sessionId: string;
  utteranceIndex: number;
  jobId: string;
  traceId: string;
}

/** Node result reasons that mean "this job's audio produced no text of its own" (merged elsewhere, or empty ASR). */
const NO_TEXT_REASONS: ReadonlySet<string> = new Set(['NO_TEXT_ASSIGNED', 'ASR_EMPTY']);

export function uiEvent(
  ref: IndexRef,
  event: string,
  extra: { elapsedMs?: number; errorCode?: string } = {},
): UiEvent {
  const e: UiEvent = {
    type: 'ui_event',
    trace_id: ref.traceId,
    session_id: ref.sessionId,
    job_id: ref.jobId,
    utterance_index: ref.utteranceIndex,
    event,
    status: extra.errorCode === undefined ? 'ok' : 'error',
  };
  if (extra.elapsedMs !== undefined) e.elapsed_ms = Math.max(0, extra.elapsedMs);
  if (extra.errorCode !== undefined) {
    e.error_code = extra.errorCode;
    e.hint = errorHint(extra.errorCode);
  }
  return e;
}

export function missingResolution(ref: IndexRef, reason: string, now: number): Resolution {
  return {
    kind: 'missing',
    reason,
    frames: [
      {
        type: 'missing_result',
        session_id: ref.sessionId,
        utterance_index: ref.utteranceIndex,
        reason,
        created_at_ms: now,
        trace_id: ref.traceId,
      },
    ],
  };
}

/** A missing_result plus the ui_event ERROR that explains it (timeouts, lost nodes). */
export function missingWithErrorResolution(
  ref: IndexRef,
  reason: string,
  code: string,
  now: number,
): Resolution {
  const r = missingResolution(ref, reason, now);
  r.frames.unshift(uiEvent(ref, 'ERROR', { errorCode: code }));
  return r;
}

/**
 * An `error` (with the ui_event ERROR that explains it) followed by the `missing_result` that resolves the index:
 * clients count resolutions by translation_result/missing_result, the error is what they show.
 */
export function errorResolution(
  ref: IndexRef,
  code: string,
  message: string,
  missingReason: string,
  now: number,
): Resolution {
  return {
    kind: 'error',
    reason: code,
    frames: [
      uiEvent(ref, 'ERROR', { errorCode: code }),
      {
        type: 'error',
        code,
        message,
        details: { utterance_index: ref.utteranceIndex, job_id: ref.jobId, session_id: ref.sessionId },
        trace_id: ref.traceId,
      },
      ...missingResolution(ref, missingReason, now).frames,
    ],
  };
}

/**
 * What a node's `job_result` means for the client. `receivedAt` is when the gateway read it; `dispatchedAt`
 * when the attempt was sent (for `elapsed_ms`).
 *
 * A failure is told in the gateway's own words: the code is the node's only when it is a node failure code
 * (`nodeFailureCode`, else PROCESSING_ERROR), the message is that code's hint, and the details are the gateway's.
 * The node's message and details never reach the client (the node side logs them, truncated).
 */
export function resolutionFromResult(
  ref: IndexRef,
  msg: JobResult,
  timing: { receivedAt: number; dispatchedAt?: number },
): Resolution {
  const reason = msg.extra?.reason;
  if (reason !== undefined && NO_TEXT_REASONS.has(reason)) {
    return missingResolution(ref, 'no_text', timing.receivedAt);
  }
  if (!msg.success) {
    const code = nodeFailureCode(msg.error?.code);
    return errorResolution(ref, code, errorHint(code), 'job_failed', timing.receivedAt);
  }
  const textAsr = msg.text_asr ?? '';
  const textTranslated = msg.text_translated ?? '';
  const ttsAudio = msg.tts_audio ?? '';
  if (textAsr === '' && textTranslated === '' && ttsAudio === '') {
    return missingResolution(ref, 'silence_detected', timing.receivedAt);
  }
  const result: SessionOutbound = {
    type: 'translation_result',
    session_id: ref.sessionId,
    utterance_index: ref.utteranceIndex,
    job_id: ref.jobId,
    text_asr: textAsr,
    text_translated: textTranslated,
    tts_audio: ttsAudio,
    tts_format: msg.tts_format ?? 'pcm16',
    trace_id: ref.traceId,
    scheduler_sent_at_ms: timing.receivedAt,
  };
  if (msg.extra !== undefined) result.extra = msg.extra;
  if (msg.extra?.service_timings !== undefined) result.service_timings = msg.extra.service_timings;
  if (msg.group_id !== undefined) result.group_id = msg.group_id;
  if (msg.part_index !== undefined) result.part_index = msg.part_index;
  if (msg.asr_quality_level !== undefined) result.asr_quality_level = msg.asr_quality_level;
  if (msg.reason_codes !== undefined) result.reason_codes = msg.reason_codes;
  if (msg.quality_score !== undefined) result.quality_score = msg.quality_score;
  if (msg.rerun_count !== undefined) result.rerun_count = msg.rerun_count;
  if (msg.segments_meta !== undefined) result.segments_meta = msg.segments_meta;
  if (msg.node_completed_at_ms !== undefined) {
    result.network_timings = {
      node_to_scheduler_ms: Math.max(0, timing.receivedAt - msg.node_completed_at_ms),
    };
  }
  const elapsed =
    timing.dispatchedAt === undefined ? {} : { elapsedMs: timing.receivedAt - timing.dispatchedAt };
  return {
    kind: 'translation',
    frames: [uiEvent(ref, 'ASR_FINAL', elapsed), uiEvent(ref, 'NMT_DONE', elapsed), result],
  };
}
