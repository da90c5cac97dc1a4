/**
 * A node's placement key (DESIGN.md §4): pool = (language capability, region, gpu_tier). The capability is the
 * set of directed pairs the node serves; its sorted signature, region and tier hash to the pool id, so every
 * node with the same triple lands in the same pool on every instance.
 */
import { createHash } from 'node:crypto';
import type { InstalledModel, LanguageCapabilities, NodeRegister } from '@lingua/protocol';
import { tierForMemory, type GpuTierThreshold } from '../config.js';

export interface CapabilityInputs {
  /** *ext* `lang_sets`: every ordered pair inside each set. Wins over the rest when present. */
  langSets?: string[][] | undefined;
  languageCapabilities?: LanguageCapabilities | undefined;
  installedModels?: InstalledModel[] | undefined;
}

export interface Placement {
  poolId: string;
  /** Directed pairs `src:tgt`, sorted. */
  pairs: string[];
  /** What the index lists the pool under: the pairs plus `*:tgt` for each target (auto source). */
  indexPairs: string[];
  sig: string;
  region: string;
  tier: string;
}

/** Directed pairs a node serves, sorted and unique. */
export function capabilityPairs(inputs: CapabilityInputs): string[] {
  const pairs = new Set<string>();
  const add = (src: string, tgt: string): void => {
    if (src && tgt && src !== tgt) pairs.add(`${src}:${tgt}`);
  };
  const sets = inputs.langSets?.filter((s) => s.length > 1) ?? [];
  if (sets.length > 0) {
    for (const set of sets) for (const a of set) for (const b of set) add(a, b);
  } else if (inputs.languageCapabilities?.asr_languages?.length) {
    const lc = inputs.languageCapabilities;
    const targets = lc.semantic_languages?.length ? lc.semantic_languages : (lc.tts_languages ?? []);
    for (const src of lc.asr_languages ?? []) for (const tgt of targets) add(src, tgt);
  } else {
    // No declared languages: fall back to the translation models the node has installed.
    for (const m of inputs.installedModels ?? []) {
      if (m.enabled === false || m.src_lang === undefined || m.tgt_lang === undefined) continue;
      if (m.kind.toLowerCase() === 'nmt') add(m.src_lang, m.tgt_lang);
    }
  }
  return [...pairs].sort();
}

/** The node's GPU tier: *ext* `gpu_tier`, else from its largest GPU's memory; `none` without a GPU. */
export function gpuTier(
  reg: Pick<NodeRegister, 'gpu_tier' | 'hardware'>,
  thresholds: readonly GpuTierThreshold[],
) {
  if (reg.gpu_tier) return reg.gpu_tier;
  const gpus = reg.hardware.gpus ?? [];
  if (gpus.length === 0) return 'none';
  const largest = Math.max(...gpus.map((g) => g.memory_gb));
  return tierForMemory(thresholds, largest) ?? 'none';
}

export function placementFor(pairs: string[], region: string, tier: string): Placement {
  const sig = pairs.join(',');
  const poolId = createHash('sha256').update(`${sig}|${region}|${tier}`).digest('hex').slice(0, 16);
  const targets = new Set(pairs.map((p) => p.slice(p.indexOf(':') + 1)));
  const indexPairs = [...pairs, ...[...targets].sort().map((t) => `*:${t}`)];
  return { poolId, pairs, indexPairs, sig, region, tier };
}

/** Services that must run for a node to be healthy (issue 3 §4). */
const CORE_SERVICES = ['asr', 'nmt', 'tts'] as const;

/**
 * Healthy = each core service is running (an installed service in status `running`, or a capability entry
 * marked ready) and a GPU is present (when the gateway requires one).
 */
export function isHealthy(
  hb: {
    installed_services: { type: string; status: string }[];
    capability_by_type: { type: string; ready: boolean }[];
  },
  gpuPresent: boolean,
): boolean {
  if (!gpuPresent) return false;
  return CORE_SERVICES.every(
    (t) =>
      hb.installed_services.some((s) => s.type === t && s.status === 'running') ||
      hb.capability_by_type.some((c) => c.type === t && c.ready),
  );
}

/** Service types currently running, for the node record. */
export function runningServices(services: { type: string; status: string }[] | undefined): string[] {
  return [...new Set((services ?? []).filter((s) => s.status === 'running').map((s) => s.type))].sort();
}
