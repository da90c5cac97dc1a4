/**
 * One valid example of every message, with every optional field present and every array non-empty, so that
 * tests can reach each field, the benchmark has realistic frames, and the JSON Schema files carry examples.
 * SDK and gateway tests may reuse them as starting points.
 */
import type {
  InstalledService,
  NodeInbound,
  NodeOutbound,
  ServiceCapability,
  SessionInbound,
  SessionOutbound,
} from './messages.js';

type ByType<U extends { type: string }> = { readonly [K in U['type']]: Extract<U, { type: K }> };

/** 5 × 20 ms of Plan A framed Opus (placeholder packets), base64. */
const OPUS_PLAN_A_100MS = Buffer.from(
  Array.from({ length: 5 }, () => [3, 0, 0xf8, 0xff, 0xfe]).flat(),
).toString('base64');

const installedModel = {
  model_id: 'whisper-large-v3',
  kind: 'asr',
  src_lang: 'zh',
  tgt_lang: 'en',
  dialect: 'yue',
  version: '1.2.0',
  enabled: true,
};

const installedService: InstalledService = {
  service_id: 'faster-whisper-vad',
  type: 'asr',
  device: 'gpu',
  status: 'running',
  version: '2.0.1',
  model_id: 'whisper-large-v3',
  engine: 'ctranslate2',
  mem_mb: 3200,
  warmup_ms: 1800,
  last_error: 'none',
};

const capability: ServiceCapability = {
  type: 'asr',
  ready: true,
  reason: 'ok',
  ready_impl_ids: ['faster-whisper-vad'],
};

const languageCapabilities = {
  asr_languages: ['zh', 'en', 'ja'],
  tts_languages: ['zh', 'en'],
  semantic_languages: ['zh', 'en'],
  semantic_core_ready: true,
};

const features = {
  emotion_detection: true,
  voice_style_detection: false,
  speech_rate_detection: true,
  speech_rate_control: false,
  speaker_identification: false,
  persona_adaptation: false,
};

const serviceTimings = { asr_ms: 320, nmt_ms: 85, tts_ms: 410, total_ms: 830 };

const extra = {
  emotion: 'neutral',
  speech_rate: 1.1,
  voice_style: 'calm',
  service_timings: serviceTimings,
  language_probability: 0.97,
  language_probabilities: { zh: 0.97, en: 0.03 },
  reason: 'OK',
};

const segmentsMeta = { count: 2, max_gap: 0.4, avg_duration: 1.6 };

const ids = {
  node_id: 'node-7f3a',
  session_id: 'sess-91c2',
  job_id: 'job-0042',
  trace_id: 'trace-5d1e',
  group_id: 'group-3',
};

export const NODE_INBOUND_EXAMPLES: ByType<NodeInbound> = deepFreeze({
  node_register: {
    type: 'node_register',
    node_id: ids.node_id,
    version: '1.4.2',
    capability_schema_version: '2.0',
    platform: 'linux',
    hardware: { cpu_cores: 16, memory_gb: 64, gpus: [{ name: 'NVIDIA RTX 4090', memory_gb: 24 }] },
    installed_models: [installedModel],
    installed_services: [installedService],
    capability_by_type: [capability],
    features_supported: features,
    advanced_features: ['streaming_asr'],
    accept_public_jobs: true,
    language_capabilities: languageCapabilities,
    region: 'eu-west',
    gpu_tier: 'high',
    lang_sets: [['zh', 'en', 'ja']],
    max_concurrent_jobs: 4,
    node_token: 'tok-7f3a-secret',
  },
  node_heartbeat: {
    type: 'node_heartbeat',
    node_id: ids.node_id,
    timestamp: 1_760_000_000_000,
    resource_usage: {
      cpu_percent: 37.5,
      gpu_percent: 61,
      gpu_mem_percent: 48.2,
      mem_percent: 55,
      running_jobs: 2,
      gpu_queue_length: 1,
    },
    installed_models: [installedModel],
    installed_services: [installedService],
    capability_by_type: [capability],
    rerun_metrics: {
      totalReruns: 3,
      successfulReruns: 2,
      failedReruns: 1,
      timeoutReruns: 0,
      qualityImprovements: 2,
    },
    asr_metrics: { processingEfficiency: 0.82 },
    processing_metrics: { serviceEfficiencies: { 'faster-whisper-vad': 0.82 } },
    language_capabilities: languageCapabilities,
  },
  job_ack: {
    type: 'job_ack',
    job_id: ids.job_id,
    attempt_id: 1,
    node_id: ids.node_id,
    session_id: ids.session_id,
    trace_id: ids.trace_id,
  },
  job_started: {
    type: 'job_started',
    job_id: ids.job_id,
    attempt_id: 1,
    node_id: ids.node_id,
    session_id: ids.session_id,
    trace_id: ids.trace_id,
  },
  asr_partial: {
    type: 'asr_partial',
    job_id: ids.job_id,
    node_id: ids.node_id,
    session_id: ids.session_id,
    utterance_index: 3,
    text: '你好',
    is_final: false,
    trace_id: ids.trace_id,
  },
  job_result: {
    type: 'job_result',
    job_id: ids.job_id,
    attempt_id: 1,
    node_id: ids.node_id,
    session_id: ids.session_id,
    utterance_index: 3,
    success: true,
    text_asr: '你好世界',
    text_translated: 'Hello world',
    tts_audio: OPUS_PLAN_A_100MS,
    tts_format: 'opus',
    extra,
    processing_time_ms: 830,
    error: { code: 'PROCESSING_ERROR', message: 'none', details: { stage: 'tts' } },
    trace_id: ids.trace_id,
    group_id: ids.group_id,
    part_index: 0,
    node_completed_at_ms: 1_760_000_000_900,
    asr_quality_level: 'good',
    reason_codes: ['LOW_SNR'],
    quality_score: 0.91,
    rerun_count: 0,
    segments_meta: segmentsMeta,
  },
  node_error: {
    type: 'node_error',
    node_id: ids.node_id,
    code: 'MODEL_LOAD_FAILED',
    message: 'model file missing',
    details: { model_id: 'whisper-large-v3' },
  },
});

export const NODE_OUTBOUND_EXAMPLES: ByType<NodeOutbound> = deepFreeze({
  node_register_ack: {
    type: 'node_register_ack',
    node_id: ids.node_id,
    message: 'registered',
    status: 'registering',
    node_token: 'tok-7f3a-secret',
    pairing_code: 'K7M3QX9P',
  },
  node_status: {
    type: 'node_status',
    node_id: ids.node_id,
    status: 'ready',
    reason: 'healthy',
    timestamp: 1_760_000_000_000,
  },
  job_assign: {
    type: 'job_assign',
    job_id: ids.job_id,
    attempt_id: 1,
    session_id: ids.session_id,
    utterance_index: 3,
    src_lang: 'zh',
    tgt_lang: 'en',
    dialect: 'yue',
    features,
    pipeline: { use_asr: true, use_nmt: true, use_tts: true, use_semantic: false, use_tone: false },
    audio: OPUS_PLAN_A_100MS,
    audio_format: 'opus',
    sample_rate: 16000,
    mode: 'one_way',
    lang_a: 'zh',
    lang_b: 'en',
    auto_langs: ['zh', 'en'],
    enable_streaming_asr: true,
    partial_update_interval_ms: 500,
    trace_id: ids.trace_id,
    group_id: ids.group_id,
    part_index: 0,
    context_text: '上一句',
    padding_ms: 280,
    is_manual_cut: true,
    is_timeout_triggered: true,
    is_max_duration_triggered: true,
    turn_id: 'turn-12',
  },
  job_cancel: { type: 'job_cancel', job_id: ids.job_id, trace_id: ids.trace_id, reason: 'job_timeout' },
  node_control: { type: 'node_control', command: 'drain', reason: 'gateway shutting down' },
  error: { type: 'error', code: 'INVALID_MESSAGE', message: 'bad frame', details: { path: '/type' } },
});

export const SESSION_INBOUND_EXAMPLES: ByType<SessionInbound> = deepFreeze({
  session_init: {
    type: 'session_init',
    client_version: 'web-2.3.0',
    platform: 'web',
    src_lang: 'zh',
    tgt_lang: 'en',
    dialect: 'yue',
    features,
    pairing_code: 'PAIR-1234',
    tenant_id: 'tenant-a',
    mode: 'two_way_auto',
    lang_a: 'zh',
    lang_b: 'en',
    auto_langs: ['zh', 'en'],
    enable_streaming_asr: true,
    partial_update_interval_ms: 500,
    trace_id: ids.trace_id,
    resume: { session_id: ids.session_id, token: 'resume-tok', received_through: 3 },
    audio_format: 'opus',
    sample_rate: 16000,
  },
  audio_chunk: {
    type: 'audio_chunk',
    session_id: ids.session_id,
    seq: 17,
    is_final: false,
    payload: OPUS_PLAN_A_100MS,
    client_timestamp_ms: 1_760_000_000_000,
  },
  utterance: {
    type: 'utterance',
    session_id: ids.session_id,
    utterance_index: 3,
    manual_cut: true,
    src_lang: 'zh',
    tgt_lang: 'en',
    dialect: 'yue',
    features,
    audio: OPUS_PLAN_A_100MS,
    audio_format: 'opus',
    sample_rate: 16000,
    mode: 'one_way',
    lang_a: 'zh',
    lang_b: 'en',
    auto_langs: ['zh', 'en'],
    enable_streaming_asr: false,
    partial_update_interval_ms: 500,
    trace_id: ids.trace_id,
    pipeline: { use_asr: true, use_nmt: true, use_tts: true, use_semantic: false, use_tone: false },
  },
  client_heartbeat: { type: 'client_heartbeat', session_id: ids.session_id, timestamp: 1_760_000_000_000 },
  session_close: { type: 'session_close', session_id: ids.session_id, reason: 'user left' },
  tts_started: {
    type: 'tts_started',
    session_id: ids.session_id,
    trace_id: ids.trace_id,
    group_id: ids.group_id,
    ts_start_ms: 1_760_000_001_000,
  },
  tts_play_ended: {
    type: 'tts_play_ended',
    session_id: ids.session_id,
    trace_id: ids.trace_id,
    group_id: ids.group_id,
    ts_end_ms: 1_760_000_002_000,
  },
});

export const SESSION_OUTBOUND_EXAMPLES: ByType<SessionOutbound> = deepFreeze({
  session_init_ack: {
    type: 'session_init_ack',
    session_id: ids.session_id,
    assigned_node_id: ids.node_id,
    message: 'session created',
    trace_id: ids.trace_id,
    protocol_version: '1.0',
    use_binary_frame: false,
    negotiated_codec: 'opus',
    negotiated_audio_format: 'opus',
    negotiated_sample_rate: 16000,
    negotiated_channel_count: 1,
    resume_token: 'resume-tok',
    resumed: false,
  },
  translation_result: {
    type: 'translation_result',
    session_id: ids.session_id,
    utterance_index: 3,
    job_id: ids.job_id,
    text_asr: '你好世界',
    text_translated: 'Hello world',
    tts_audio: OPUS_PLAN_A_100MS,
    tts_format: 'opus',
    extra,
    trace_id: ids.trace_id,
    group_id: ids.group_id,
    part_index: 0,
    service_timings: serviceTimings,
    network_timings: {
      web_to_scheduler_ms: 12,
      scheduler_to_node_ms: 3,
      node_to_scheduler_ms: 4,
      scheduler_to_web_ms: 11,
    },
    scheduler_sent_at_ms: 1_760_000_000_950,
    asr_quality_level: 'good',
    reason_codes: ['LOW_SNR'],
    quality_score: 0.91,
    rerun_count: 0,
    segments_meta: segmentsMeta,
  },
  asr_partial: {
    type: 'asr_partial',
    session_id: ids.session_id,
    utterance_index: 3,
    job_id: ids.job_id,
    text: '你好',
    is_final: false,
    trace_id: ids.trace_id,
  },
  missing_result: {
    type: 'missing_result',
    session_id: ids.session_id,
    utterance_index: 2,
    reason: 'gap_timeout',
    created_at_ms: 1_760_000_000_000,
    trace_id: ids.trace_id,
  },
  ui_event: {
    type: 'ui_event',
    trace_id: ids.trace_id,
    session_id: ids.session_id,
    job_id: ids.job_id,
    utterance_index: 3,
    event: 'ERROR',
    elapsed_ms: 120,
    status: 'error',
    error_code: 'NO_AVAILABLE_NODE',
    hint: 'No translation server is available for this language pair right now.',
  },
  server_heartbeat: { type: 'server_heartbeat', session_id: ids.session_id, timestamp: 1_760_000_000_000 },
  session_close_ack: { type: 'session_close_ack', session_id: ids.session_id },
  backpressure: { type: 'backpressure', action: 'SLOW_DOWN', resume_after_ms: 500 },
  error: {
    type: 'error',
    code: 'INVALID_MESSAGE',
    message: 'bad frame',
    details: { path: '/seq' },
    trace_id: ids.trace_id,
  },
});

/** Examples are shared by many tests: freezing them turns an accidental mutation into an immediate error. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
