/** The `node_register` body of a simulated node: one GPU, ASR/NMT/TTS/semantic services all running. */
import type { InstalledService, ServiceCapability } from '@lingua/protocol';
import type { NodeProfile } from '../node-agent.js';

export interface SimProfileOptions {
  asrLanguages: string[];
  targetLanguages: string[];
  langSets?: string[][];
  region?: string;
  gpuTier?: string;
  gpuMemoryGb?: number;
  version?: string;
}

const SERVICE_TYPES = ['asr', 'nmt', 'tts', 'semantic'] as const;

export function simProfile(opts: SimProfileOptions): NodeProfile {
  // The gateway marks a node ready only when ASR, NMT and TTS run, so TTS is always advertised;
  // the simulator's --no-tts only leaves the audio out of results.
  const services: InstalledService[] = SERVICE_TYPES.map((type) => ({
    service_id: `sim-${type}`,
    type,
    device: 'gpu',
    status: 'running',
    version: '1.0.0',
    model_id: `sim-${type}-model`,
  }));
  const capabilities: ServiceCapability[] = SERVICE_TYPES.map((type) => ({
    type,
    ready: true,
    ready_impl_ids: [`sim-${type}`],
  }));
  const profile: NodeProfile = {
    version: opts.version ?? 'lingua-node-sim/0.1.0',
    platform: 'linux',
    hardware: {
      cpu_cores: 8,
      memory_gb: 32,
      gpus: [{ name: 'Simulated GPU', memory_gb: opts.gpuMemoryGb ?? 24 }],
    },
    installed_models: SERVICE_TYPES.map((kind) => ({
      model_id: `sim-${kind}-model`,
      kind,
      version: '1.0.0',
    })),
    installed_services: services,
    capability_by_type: capabilities,
    features_supported: {},
    accept_public_jobs: true,
    language_capabilities: {
      asr_languages: opts.asrLanguages,
      semantic_languages: opts.targetLanguages,
      tts_languages: opts.targetLanguages,
      semantic_core_ready: true,
    },
  };
  if (opts.langSets !== undefined && opts.langSets.length > 0) profile.lang_sets = opts.langSets;
  if (opts.region !== undefined) profile.region = opts.region;
  if (opts.gpuTier !== undefined) profile.gpu_tier = opts.gpuTier;
  return profile;
}
