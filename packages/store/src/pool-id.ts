import { createHash } from 'node:crypto';

/**
 * Pure mapping from what a node declares to the pool it belongs to (DESIGN.md §4). A pool is one
 * (language capability, region, gpu tier); its id is a short hash of the canonical signature, so every gateway
 * computes the same id for the same capability without coordination.
 */
export interface CapabilityInput {
  language_capabilities?: {
    asr_languages?: readonly string[] | null;
    tts_languages?: readonly string[] | null;
    semantic_languages?: readonly string[] | null;
  } | null;
  /** *ext*: groups of languages translated among each other (every ordered pair inside a group). */
  lang_sets?: readonly (readonly string[])[] | null;
  /** *ext* */
  region?: string | null;
  /** *ext* */
  gpu_tier?: string | null;
  hardware?: { gpus?: readonly { memory_gb: number }[] | null } | null;
}

/** A tier and the memory (GiB) of the node's largest GPU from which it applies. */
export interface GpuTierThreshold {
  readonly tier: string;
  readonly minGib: number;
}

export interface CapabilityDefaults {
  /** The gateway's LINGUA_REGION, for nodes that do not say. */
  region: string;
  tierThresholds: readonly GpuTierThreshold[];
}

export interface Capability {
  /** Sorted, distinct: `src:tgt` for every directed pair served, and `*:tgt` for every target (src_lang auto). */
  pairs: string[];
  region: string;
  tier: string;
  /** `<pairs joined by ,>|<region>|<tier>` */
  signature: string;
  /** First 16 hex chars of sha1(signature). */
  poolId: string;
}

/** The tier a node without a GPU gets. */
export const NO_GPU_TIER = 'none';

/** Language codes compare case-insensitively; `auto` is a request mode, never a capability. */
export function normalizeLang(lang: string): string {
  return lang.trim().toLowerCase();
}

/** The index field for a request: `langPairKey('auto', 'en')` = `*:en`. */
export function langPairKey(src: string, tgt: string): string {
  const s = normalizeLang(src);
  return `${s === 'auto' ? '*' : s}:${normalizeLang(tgt)}`;
}

function langList(list: readonly string[] | null | undefined): string[] {
  return [...new Set((list ?? []).map(normalizeLang))].filter((l) => l !== '' && l !== 'auto' && l !== '*');
}

/**
 * Directed pairs a node serves: every ordered pair inside each `lang_sets` group when given, else
 * asr × (semantic, or tts when no semantic languages). Same-language pairs are kept (ASR plus clean-up of one
 * language is a request a node can serve). Plus `*:tgt` for every target.
 */
export function capabilityPairs(input: CapabilityInput): string[] {
  const out = new Set<string>();
  const add = (src: string, tgt: string): void => {
    out.add(`${src}:${tgt}`);
    out.add(`*:${tgt}`);
  };
  const sets = (input.lang_sets ?? []).map(langList).filter((g) => g.length > 0);
  if (sets.length > 0) {
    for (const group of sets) for (const src of group) for (const tgt of group) add(src, tgt);
  } else {
    const caps = input.language_capabilities ?? {};
    const asr = langList(caps.asr_languages);
    const semantic = langList(caps.semantic_languages);
    const targets = semantic.length > 0 ? semantic : langList(caps.tts_languages);
    for (const src of asr) for (const tgt of targets) add(src, tgt);
  }
  return [...out].sort();
}

/** The tier of the largest GPU per `thresholds` (any order); `none` without a GPU or below every threshold. */
export function gpuTier(
  gpus: readonly { memory_gb: number }[] | null | undefined,
  thresholds: readonly GpuTierThreshold[],
): string {
  const largest = Math.max(-Infinity, ...(gpus ?? []).map((g) => g.memory_gb).filter(Number.isFinite));
  if (largest === -Infinity) return NO_GPU_TIER;
  const sorted = [...thresholds].sort((a, b) => b.minGib - a.minGib);
  return sorted.find((t) => largest >= t.minGib)?.tier ?? NO_GPU_TIER;
}

export function computeCapability(input: CapabilityInput, defaults: CapabilityDefaults): Capability {
  const pairs = capabilityPairs(input);
  const region = input.region?.trim() || defaults.region;
  const tier = input.gpu_tier?.trim() || gpuTier(input.hardware?.gpus, defaults.tierThresholds);
  const signature = `${pairs.join(',')}|${region}|${tier}`;
  const poolId = createHash('sha1').update(signature).digest('hex').slice(0, 16);
  return { pairs, region, tier, signature, poolId };
}
