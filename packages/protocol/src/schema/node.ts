/** Messages of the node socket (`/ws/node`), both directions (docs/protocol.md "Node socket"). */
import { Type } from '@sinclair/typebox';
import type { Limits } from '../limits.js';
import {
  Enum,
  NullAsAbsent,
  NODE_PLATFORMS,
  NODE_STATUSES,
  SERVICE_DEVICES,
  SERVICE_STATUSES,
  SERVICE_TYPES,
  fields,
} from './fields.js';

function nodeParts(l: Limits) {
  const f = fields(l);
  const installedModel = Type.Object({
    model_id: f.id(),
    kind: f.short(),
    src_lang: Type.Optional(f.lang()),
    tgt_lang: Type.Optional(f.lang()),
    dialect: NullAsAbsent(f.lang()),
    version: f.short(),
    enabled: Type.Optional(f.bool()),
  });
  const installedService = Type.Object({
    service_id: f.id(),
    type: Enum(SERVICE_TYPES),
    device: Enum(SERVICE_DEVICES),
    status: Enum(SERVICE_STATUSES),
    version: Type.Optional(f.short()),
    model_id: Type.Optional(f.id()),
    engine: Type.Optional(f.short()),
    mem_mb: Type.Optional(Type.Number()),
    warmup_ms: Type.Optional(f.number()),
    last_error: Type.Optional(f.text()),
  });
  const capability = Type.Object({
    type: Enum(SERVICE_TYPES),
    ready: f.bool(),
    reason: Type.Optional(f.text()),
    ready_impl_ids: Type.Optional(f.list(f.id())),
  });
  const languageCapabilities = Type.Object({
    asr_languages: Type.Optional(f.langList()),
    tts_languages: Type.Optional(f.langList()),
    semantic_languages: Type.Optional(f.langList()),
    semantic_core_ready: Type.Optional(f.bool()),
  });
  return { f, installedModel, installedService, capability, languageCapabilities };
}

/** node → gateway */
export function createNodeInboundSchemas(l: Limits) {
  const { f, installedModel, installedService, capability, languageCapabilities } = nodeParts(l);
  const jobRef = {
    job_id: f.id(),
    attempt_id: f.attempt(),
    node_id: f.id(),
    session_id: f.id(),
    trace_id: f.id(),
  };
  // Measurements a node reports about itself are plain numbers: rejecting a heartbeat over a negative
  // reading would drop a working node, and nothing in the gateway depends on their sign.
  const measure = () => Type.Number();
  return {
    node_register: Type.Object({
      type: Type.Literal('node_register'),
      node_id: NullAsAbsent(f.id()),
      version: f.short(),
      capability_schema_version: Type.Optional(f.short()),
      platform: Enum(NODE_PLATFORMS),
      hardware: Type.Object({
        cpu_cores: f.count(),
        memory_gb: Type.Number(),
        gpus: Type.Optional(f.list(Type.Object({ name: f.short(), memory_gb: Type.Number() }))),
      }),
      installed_models: f.list(installedModel),
      installed_services: Type.Optional(f.list(installedService)),
      capability_by_type: f.list(capability),
      features_supported: Type.Object({
        emotion_detection: Type.Optional(f.bool()),
        voice_style_detection: Type.Optional(f.bool()),
        speech_rate_detection: Type.Optional(f.bool()),
        speech_rate_control: Type.Optional(f.bool()),
        speaker_identification: Type.Optional(f.bool()),
        persona_adaptation: Type.Optional(f.bool()),
      }),
      advanced_features: Type.Optional(f.list(f.short())),
      accept_public_jobs: f.bool(),
      language_capabilities: Type.Optional(languageCapabilities),
      // ext
      region: Type.Optional(f.short()),
      gpu_tier: Type.Optional(f.short()),
      lang_sets: Type.Optional(f.list(f.langList())),
      max_concurrent_jobs: Type.Optional(f.positive()),
      node_token: Type.Optional(f.id()),
    }),
    node_heartbeat: Type.Object({
      type: Type.Literal('node_heartbeat'),
      node_id: f.id(),
      timestamp: f.ms(),
      resource_usage: Type.Object({
        cpu_percent: measure(),
        gpu_percent: Type.Optional(measure()),
        gpu_mem_percent: Type.Optional(measure()),
        mem_percent: measure(),
        running_jobs: f.count(),
        gpu_queue_length: Type.Optional(f.count()),
      }),
      installed_models: Type.Optional(f.list(installedModel)),
      installed_services: f.list(installedService),
      capability_by_type: f.list(capability),
      rerun_metrics: Type.Optional(
        Type.Object({
          totalReruns: Type.Number(),
          successfulReruns: Type.Number(),
          failedReruns: Type.Number(),
          timeoutReruns: Type.Number(),
          qualityImprovements: Type.Number(),
        }),
      ),
      asr_metrics: Type.Optional(Type.Object({ processingEfficiency: Type.Optional(f.number()) })),
      processing_metrics: Type.Optional(
        Type.Object({
          serviceEfficiencies: f.numberMap(),
        }),
      ),
      language_capabilities: Type.Optional(languageCapabilities),
    }),
    job_ack: Type.Object({ type: Type.Literal('job_ack'), ...jobRef }),
    job_started: Type.Object({ type: Type.Literal('job_started'), ...jobRef }),
    asr_partial: Type.Object({
      type: Type.Literal('asr_partial'),
      job_id: f.id(),
      node_id: f.id(),
      session_id: f.id(),
      utterance_index: f.utteranceIndex(),
      text: f.text(),
      is_final: f.bool(),
      trace_id: f.id(),
    }),
    job_result: Type.Object({
      type: Type.Literal('job_result'),
      job_id: f.id(),
      attempt_id: f.attempt(),
      node_id: f.id(),
      session_id: f.id(),
      utterance_index: f.utteranceIndex(),
      success: f.bool(),
      text_asr: Type.Optional(f.text()),
      text_translated: Type.Optional(f.text()),
      tts_audio: Type.Optional(f.base64()),
      tts_format: Type.Optional(f.audioFormat()),
      extra: Type.Optional(f.extra()),
      processing_time_ms: Type.Optional(f.number()),
      error: Type.Optional(
        Type.Object({ code: f.short(), message: f.text(), details: Type.Optional(f.details()) }),
      ),
      trace_id: f.id(),
      group_id: Type.Optional(f.id()),
      part_index: Type.Optional(f.count()),
      node_completed_at_ms: Type.Optional(f.ms()),
      asr_quality_level: Type.Optional(f.asrQualityLevel()),
      reason_codes: Type.Optional(f.list(f.short())),
      quality_score: Type.Optional(f.number()),
      rerun_count: Type.Optional(f.count()),
      segments_meta: Type.Optional(f.segmentsMeta()),
    }),
    node_error: Type.Object({
      type: Type.Literal('node_error'),
      node_id: f.id(),
      code: f.short(),
      message: f.text(),
      details: Type.Optional(f.details()),
    }),
  };
}

/** gateway → node */
export function createNodeOutboundSchemas(l: Limits) {
  const f = fields(l);
  return {
    node_register_ack: Type.Object({
      type: Type.Literal('node_register_ack'),
      node_id: f.id(),
      message: f.text(),
      status: f.short(),
      // ext
      node_token: Type.Optional(f.id()),
      pairing_code: Type.Optional(f.short()),
    }),
    node_status: Type.Object({
      type: Type.Literal('node_status'),
      node_id: f.id(),
      status: Enum(NODE_STATUSES),
      reason: f.text(),
      timestamp: f.ms(),
    }),
    job_assign: Type.Object({
      type: Type.Literal('job_assign'),
      job_id: f.id(),
      attempt_id: f.attempt(),
      session_id: f.id(),
      utterance_index: f.utteranceIndex(),
      src_lang: f.lang(),
      tgt_lang: f.lang(),
      dialect: NullAsAbsent(f.lang()),
      features: Type.Optional(f.features()),
      pipeline: f.pipeline(),
      audio: f.base64(),
      audio_format: f.audioFormat(),
      sample_rate: f.sampleRate(),
      mode: Type.Optional(f.mode()),
      lang_a: Type.Optional(f.lang()),
      lang_b: Type.Optional(f.lang()),
      auto_langs: Type.Optional(f.langList()),
      enable_streaming_asr: Type.Optional(f.bool()),
      partial_update_interval_ms: Type.Optional(f.ms()),
      trace_id: f.id(),
      group_id: Type.Optional(f.id()),
      part_index: Type.Optional(f.count()),
      context_text: Type.Optional(f.text()),
      padding_ms: Type.Optional(f.ms()),
      is_manual_cut: Type.Optional(f.bool()),
      is_timeout_triggered: Type.Optional(f.bool()),
      is_max_duration_triggered: Type.Optional(f.bool()),
      turn_id: Type.Optional(f.id()),
    }),
    job_cancel: Type.Object({
      type: Type.Literal('job_cancel'),
      job_id: f.id(),
      trace_id: Type.Optional(f.id()),
      reason: Type.Optional(f.text()),
    }),
    node_control: Type.Object({
      type: Type.Literal('node_control'),
      command: f.short(),
      reason: Type.Optional(f.text()),
    }),
    error: Type.Object({
      type: Type.Literal('error'),
      code: f.short(),
      message: f.text(),
      details: Type.Optional(f.details()),
    }),
  };
}
