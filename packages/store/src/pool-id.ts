import { sha256Hex } from './sha256.js';

/**
 * Pure mapping from what a node declares to the pool it belongs to. A pool is one (language capability, region, gpu
 * tier); its id is a short hash of the canonical signature, so every gateway computes the same id for the same
 * capability without coordination.
 */
export interface CapabilityInput {
  language_capabilities?: {
    asr_languages?: readonly string[] | null;
    tts_languages?: readonly string[] | null;
    semantic_languages?: readonly string[] | null;
  } | null;
  /** *ext*: groups of languages translated among each other (every ordered pair inside a group). */
  lang_sets?: readonly (readonly string[])[] | null;
  /** Used only when nothing else declares languages: enabled NMT models with src/tgt. */
  installed_models?:
    readonly { kind: string; src_lang?: string; tgt_lang?: string; enabled?: boolean }[] | null;
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
  /** What the index lists the pool under: every directed pair plus `*:tgt` per target (src_lang auto); sorted. */
  pairs: string[];
  /** Directed `src:tgt` pairs only (src ≠ tgt), sorted: the capability proper. */
  directedPairs: string[];
  region: string;
  tier: string;
  /** `<directed pairs joined by ,>|<region>|<tier>` */
  signature: string;
  /** First 16 hex chars of sha256(signature). */
  poolId: string;
}

/** The tier a node without a GPU gets. */
export const NO_GPU_TIER = 'none';

/** The index field for a request: `langPairKey('auto', 'en')` = `*:en`. Codes compare exactly as sent. */
export function langPairKey(src: string, tgt: string): string {
  const s = src.trim();
  return `${s === 'auto' ? '*' : s}:${tgt.trim()}`;
}

function langList(list: readonly string[] | null | undefined): string[] {
  return [...new Set((list ?? []).map((l) => l.trim()))].filter((l) => l !== '' && l !== 'auto' && l !== '*');
}

/**
 * Directed pairs a node serves (src ≠ tgt; translating a language into itself is not a route): every ordered
 * pair inside each `lang_sets` group of two or more when given; else asr × (semantic, or tts when no semantic
 * languages); else, for a node that declares no languages, its enabled NMT models.
 */
export function directedPairs(input: CapabilityInput): string[] {
  const out = new Set<string>();
  const add = (src: string | undefined, tgt: string | undefined): void => {
    const s = src?.trim();
    const t = tgt?.trim();
    if (s && t && s !== t && s !== 'auto') out.add(`${s}:${t}`);
  };
  const sets = (input.lang_sets ?? []).map(langList).filter((g) => g.length > 1);
  const caps = input.language_capabilities ?? {};
  const asr = langList(caps.asr_languages);
  if (sets.length > 0) {
    for (const group of sets) for (const src of group) for (const tgt of group) add(src, tgt);
  } else if (asr.length > 0) {
    const semantic = langList(caps.semantic_languages);
    const targets = semantic.length > 0 ? semantic : langList(caps.tts_languages);
    for (const src of asr) for (const tgt of targets) add(src, tgt);
  } else {
    for (const m of input.installed_models ?? []) {
      if (m.enabled !== false && m.kind.toLowerCase() === 'nmt') add(m.src_lang, m.tgt_lang);
    }
  }
  return [...out].sort();
}

/** The index entries of a capability: the directed pairs plus `*:tgt` for every target. Sorted. */
export function capabilityPairs(input: CapabilityInput): string[] {
  return withAutoSource(directedPairs(input));
}

function withAutoSource(pairs: readonly string[]): string[] {
  const out = new Set(pairs);
  for (const p of pairs) out.add(`*:${p.slice(p.indexOf(':') + 1)}`);
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

/**
 * Same pool id as the gateway's `placementFor` (packages/gateway/src/nodes/capability.ts) for the same inputs,
 * so either can place nodes without splitting pools.
 */
export function computeCapability(input: CapabilityInput, defaults: CapabilityDefaults): Capability {
  const directed = directedPairs(input);
  const region = input.region?.trim() || defaults.region;
  const tier = input.gpu_tier?.trim() || gpuTier(input.hardware?.gpus, defaults.tierThresholds);
  const signature = `${directed.join(',')}|${region}|${tier}`;
  const poolId = sha256Hex(signature).slice(0, 16);
  return { pairs: withAutoSource(directed), directedPairs: directed, region, tier, signature, poolId };
}
