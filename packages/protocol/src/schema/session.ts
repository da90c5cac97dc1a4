/** Messages of the session socket (`/ws/session`), both directions (docs/protocol.md "Session socket"). */
import { Type } from '@sinclair/typebox';
import type { Limits } from '../limits.js';
import {
  BACKPRESSURE_ACTIONS,
  CLIENT_PLATFORMS,
  Enum,
  NullAsAbsent,
  UI_EVENT_STATUSES,
  fields,
} from './fields.js';

/** client → gateway */
export function createSessionInboundSchemas(l: Limits) {
  const f = fields(l);
  return {
    session_init: Type.Object({
      type: Type.Literal('session_init'),
      client_version: f.short(),
      platform: Enum(CLIENT_PLATFORMS),
      src_lang: f.lang(),
      tgt_lang: f.lang(),
      dialect: NullAsAbsent(f.lang()),
      features: Type.Optional(f.features()),
      pairing_code: NullAsAbsent(f.id()),
      tenant_id: NullAsAbsent(f.id()),
      mode: Type.Optional(f.mode()),
      lang_a: Type.Optional(f.lang()),
      lang_b: Type.Optional(f.lang()),
      auto_langs: Type.Optional(f.langList()),
      enable_streaming_asr: Type.Optional(f.bool()),
      partial_update_interval_ms: Type.Optional(f.ms()),
      trace_id: Type.Optional(f.id()),
      // ext
      resume: Type.Optional(
        Type.Object({
          session_id: f.id(),
          token: f.id(),
          // The highest utterance_index whose resolution the client already holds: nothing at or below it is
          // replayed, so a result read just before the drop (its acknowledgement still in flight) is not sent twice.
          received_through: Type.Optional(f.utteranceIndex()),
        }),
      ),
      audio_format: Type.Optional(f.audioFormat()),
      sample_rate: Type.Optional(f.sampleRate()),
    }),
    audio_chunk: Type.Object({
      type: Type.Literal('audio_chunk'),
      session_id: f.id(),
      seq: f.count(),
      is_final: f.bool(),
      payload: Type.Optional(f.base64()),
      client_timestamp_ms: Type.Optional(f.ms()),
    }),
    utterance: Type.Object({
      type: Type.Literal('utterance'),
      session_id: f.id(),
      utterance_index: f.utteranceIndex(),
      manual_cut: f.bool(),
      src_lang: f.lang(),
      tgt_lang: f.lang(),
      dialect: NullAsAbsent(f.lang()),
      features: Type.Optional(f.features()),
      audio: f.base64(),
      audio_format: f.audioFormat(),
      sample_rate: f.sampleRate(),
      mode: Type.Optional(f.mode()),
      lang_a: Type.Optional(f.lang()),
      lang_b: Type.Optional(f.lang()),
      auto_langs: Type.Optional(f.langList()),
      enable_streaming_asr: Type.Optional(f.bool()),
      partial_update_interval_ms: Type.Optional(f.ms()),
      trace_id: Type.Optional(f.id()),
      pipeline: Type.Optional(f.pipeline()),
    }),
    client_heartbeat: Type.Object({
      type: Type.Literal('client_heartbeat'),
      session_id: f.id(),
      timestamp: f.ms(),
    }),
    session_close: Type.Object({
      type: Type.Literal('session_close'),
      session_id: f.id(),
      reason: f.text(),
    }),
    tts_started: Type.Object({
      type: Type.Literal('tts_started'),
      session_id: f.id(),
      trace_id: f.id(),
      group_id: f.id(),
      ts_start_ms: f.ms(),
    }),
    tts_play_ended: Type.Object({
      type: Type.Literal('tts_play_ended'),
      session_id: f.id(),
      trace_id: f.id(),
      group_id: f.id(),
      ts_end_ms: f.ms(),
    }),
  };
}

/** gateway → client */
export function createSessionOutboundSchemas(l: Limits) {
  const f = fields(l);
  return {
    session_init_ack: Type.Object({
      type: Type.Literal('session_init_ack'),
      session_id: f.id(),
      assigned_node_id: Type.Optional(f.id()),
      message: f.text(),
      trace_id: f.id(),
      protocol_version: f.short(),
      use_binary_frame: f.bool(),
      negotiated_codec: f.short(),
      negotiated_audio_format: f.short(),
      negotiated_sample_rate: f.sampleRate(),
      negotiated_channel_count: f.positive(),
      // ext
      resume_token: Type.Optional(f.id()),
      resumed: Type.Optional(f.bool()),
    }),
    translation_result: Type.Object({
      type: Type.Literal('translation_result'),
      session_id: f.id(),
      utterance_index: f.utteranceIndex(),
      job_id: f.id(),
      text_asr: f.text(),
      text_translated: f.text(),
      tts_audio: f.base64(),
      tts_format: f.audioFormat(),
      extra: Type.Optional(f.extra()),
      trace_id: f.id(),
      group_id: Type.Optional(f.id()),
      part_index: Type.Optional(f.count()),
      service_timings: Type.Optional(f.serviceTimings()),
      network_timings: Type.Optional(
        Type.Object({
          web_to_scheduler_ms: Type.Optional(f.number()),
          scheduler_to_node_ms: Type.Optional(f.number()),
          node_to_scheduler_ms: Type.Optional(f.number()),
          scheduler_to_web_ms: Type.Optional(f.number()),
        }),
      ),
      scheduler_sent_at_ms: Type.Optional(f.ms()),
      asr_quality_level: Type.Optional(f.asrQualityLevel()),
      reason_codes: Type.Optional(f.list(f.short())),
      quality_score: Type.Optional(f.number()),
      rerun_count: Type.Optional(f.count()),
      segments_meta: Type.Optional(f.segmentsMeta()),
    }),
    asr_partial: Type.Object({
      type: Type.Literal('asr_partial'),
      session_id: f.id(),
      utterance_index: f.utteranceIndex(),
      job_id: f.id(),
      text: f.text(),
      is_final: f.bool(),
      trace_id: f.id(),
    }),
    missing_result: Type.Object({
      type: Type.Literal('missing_result'),
      session_id: f.id(),
      utterance_index: f.utteranceIndex(),
      reason: f.short(),
      created_at_ms: f.ms(),
      trace_id: Type.Optional(f.id()),
    }),
    ui_event: Type.Object({
      type: Type.Literal('ui_event'),
      trace_id: f.id(),
      session_id: f.id(),
      job_id: f.id(),
      utterance_index: f.utteranceIndex(),
      event: f.short(),
      elapsed_ms: Type.Optional(f.ms()),
      status: Enum(UI_EVENT_STATUSES),
      error_code: Type.Optional(f.short()),
      hint: Type.Optional(f.text()),
    }),
    server_heartbeat: Type.Object({
      type: Type.Literal('server_heartbeat'),
      session_id: f.id(),
      timestamp: f.ms(),
    }),
    session_close_ack: Type.Object({
      type: Type.Literal('session_close_ack'),
      session_id: f.id(),
    }),
    backpressure: Type.Object({
      type: Type.Literal('backpressure'),
      action: Enum(BACKPRESSURE_ACTIONS),
      resume_after_ms: Type.Optional(f.ms()),
    }),
    error: Type.Object({
      type: Type.Literal('error'),
      code: f.short(),
      message: f.text(),
      details: Type.Optional(f.details()),
      trace_id: Type.Optional(f.id()),
    }),
  };
}
