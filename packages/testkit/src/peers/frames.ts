/**
 * Frames the test peers send, built the way the existing web client and node agent send them, with overrides for
 * what a test varies.
 */
import type { NodeHeartbeat, NodeRegister } from '@lingua/protocol';

/** A received frame, as parsed JSON. */
export type Frame = { type: string; [k: string]: unknown };

/** 20 ms of silent pcm16 at 16 kHz, base64: the smallest useful utterance. */
export const SILENT_PCM_20MS = Buffer.alloc(640).toString('base64');

/** ASR, NMT and TTS installed and running (a fresh array per frame). */
function runningServices(): NodeHeartbeat['installed_services'] {
  return [
    { service_id: 'asr-1', type: 'asr', device: 'gpu', status: 'running' },
    { service_id: 'nmt-1', type: 'nmt', device: 'gpu', status: 'running' },
    { service_id: 'tts-1', type: 'tts', device: 'gpu', status: 'running' },
  ];
}

function allReady(): NodeHeartbeat['capability_by_type'] {
  return [
    { type: 'asr', ready: true },
    { type: 'nmt', ready: true },
    { type: 'tts', ready: true },
  ];
}

/** A healthy GPU node serving en ⇄ zh with ASR, NMT and TTS running. */
export function registerFrame(overrides: Partial<NodeRegister> = {}): NodeRegister {
  return {
    type: 'node_register',
    version: '2.3.0',
    capability_schema_version: '2.0',
    platform: 'linux',
    hardware: { cpu_cores: 16, memory_gb: 64, gpus: [{ name: 'RTX 4090', memory_gb: 24 }] },
    installed_models: [],
    installed_services: runningServices(),
    capability_by_type: allReady(),
    features_supported: {},
    accept_public_jobs: true,
    language_capabilities: { asr_languages: ['en', 'zh'], semantic_languages: ['en', 'zh'] },
    ...overrides,
  };
}

/** A healthy heartbeat (every core service running, no jobs). */
export function heartbeatFrame(nodeId: string, overrides: Partial<NodeHeartbeat> = {}): NodeHeartbeat {
  return {
    type: 'node_heartbeat',
    node_id: nodeId,
    timestamp: Date.now(),
    resource_usage: { cpu_percent: 10, gpu_percent: 20, mem_percent: 30, running_jobs: 0 },
    installed_services: runningServices(),
    capability_by_type: allReady(),
    ...overrides,
  };
}

/** A client-cut `utterance` frame: 20 ms of silent pcm16, zh→en, manual cut. */
export function utteranceFrame(sessionId: string, index: number): Frame {
  return {
    type: 'utterance',
    session_id: sessionId,
    utterance_index: index,
    manual_cut: true,
    src_lang: 'zh',
    tgt_lang: 'en',
    audio: SILENT_PCM_20MS,
    audio_format: 'pcm16',
    sample_rate: 16_000,
  };
}
