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

/**
 * One rectangle of a capability: every language of `src` into every language of `tgt`, except a language into
 * itself. Both lists sorted and deduplicated.
 */
export interface LangBlock {
  src: string[];
  tgt: string[];
}

export interface Capability {
  /**
   * The capability proper, compactly: the directed pairs served are the union of the blocks' pairs. Canonical
   * (see `capabilityBlocks`), so equal declarations give equal blocks. Empty when the node serves no pair.
   */
  blocks: LangBlock[];
  /** Every language of any block as a source, sorted: the index lists the pool under `s:<lang>` for each. */
  sources: string[];
  /** Every language of any block as a target, sorted: the index lists the pool under `t:<lang>` for each. */
  targets: string[];
  region: string;
  tier: string;
  /**
   * `<sha256 hex of the blocks as JSON>|<region>|<tier>`: fixed size (the blocks themselves are stored next to it
   * in the pool meta, so the signature does not repeat them).
   */
  signature: string;
  /** First 16 hex chars of sha256(signature). */
  poolId: string;
}

/** The tier a node without a GPU gets. */
export const NO_GPU_TIER = 'none';

/** A language code as the index compares it: trimmed, otherwise exactly as sent. */
export function langCode(code: string): string {
  return code.trim();
}

function langList(list: readonly string[] | null | undefined): string[] {
  return [...new Set((list ?? []).map(langCode))].filter((l) => l !== '' && l !== 'auto' && l !== '*').sort();
}

/**
 * What a node serves, as canonical blocks: one block per `lang_sets` group of two or more (src = tgt = group)
 * when there is such a group; else asr × (semantic, or tts when no semantic languages); else, for a node that
 * declares no languages, its enabled NMT models grouped by source. Cost grows with the number of languages
 * listed, never with the number of pairs they span.
 *
 * Canonical form: each list sorted and deduplicated; a single target is dropped from the sources and a single
 * source from the targets (that pair is no route); blocks serving nothing and blocks inside another block are
 * dropped; blocks sorted. Different groupings of the same pairs can still give different blocks (hence
 * different pools); that only splits a pool, it never loses a pair.
 */
export function capabilityBlocks(input: CapabilityInput): LangBlock[] {
  const sets = (input.lang_sets ?? []).map(langList).filter((g) => g.length > 1);
  const caps = input.language_capabilities ?? {};
  const asr = langList(caps.asr_languages);
  let raw: LangBlock[];
  if (sets.length > 0) {
    raw = sets.map((g) => ({ src: g, tgt: g }));
  } else if (asr.length > 0) {
    const semantic = langList(caps.semantic_languages);
    raw = [{ src: asr, tgt: semantic.length > 0 ? semantic : langList(caps.tts_languages) }];
  } else {
    const bySource = new Map<string, Set<string>>();
    for (const m of input.installed_models ?? []) {
      if (m.enabled === false || m.kind.toLowerCase() !== 'nmt') continue;
      const [src] = langList([m.src_lang ?? '']);
      const [tgt] = langList([m.tgt_lang ?? '']);
      if (src === undefined || tgt === undefined || src === tgt) continue;
      let targets = bySource.get(src);
      if (!targets) bySource.set(src, (targets = new Set()));
      targets.add(tgt);
    }
    raw = [...bySource].map(([src, targets]) => ({ src: [src], tgt: [...targets].sort() }));
  }
  return canonicalBlocks(raw);
}

function canonicalBlocks(raw: readonly LangBlock[]): LangBlock[] {
  const trimmed: LangBlock[] = [];
  for (const b of raw) {
    let src = langList(b.src);
    let tgt = langList(b.tgt);
    if (tgt.length === 1) src = src.filter((l) => l !== tgt[0]);
    if (src.length === 1) tgt = tgt.filter((l) => l !== src[0]);
    if (src.length > 0 && tgt.length > 0) trimmed.push({ src, tgt });
  }
  const kept = trimmed.filter(
    (b, i) =>
      !trimmed.some(
        (o, j) => j !== i && contains(o.src, b.src) && contains(o.tgt, b.tgt) && (!sameBlock(o, b) || j < i),
      ),
  );
  return kept.sort((a, b) => compareText(blockText(a), blockText(b)));
}

function contains(outer: readonly string[], inner: readonly string[]): boolean {
  if (inner.length > outer.length) return false;
  const set = new Set(outer);
  return inner.every((l) => set.has(l));
}

function sameBlock(a: LangBlock, b: LangBlock): boolean {
  return blockText(a) === blockText(b);
}

function blockText(b: LangBlock): string {
  return JSON.stringify([b.src, b.tgt]);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Does a block list serve src→tgt (src ≠ tgt)? `src` 'auto' (or '*') asks only whether tgt is a target. */
export function blocksServe(blocks: readonly LangBlock[], src: string, tgt: string): boolean {
  const s = langCode(src);
  const t = langCode(tgt);
  if (s === 'auto' || s === '*') return blocks.some((b) => b.tgt.includes(t));
  if (s === t) return false;
  return blocks.some((b) => b.src.includes(s) && b.tgt.includes(t));
}

/** Every language of the blocks as a source (`sources`) and as a target (`targets`), each sorted. */
export function blockLanguages(blocks: readonly LangBlock[]): { sources: string[]; targets: string[] } {
  const sources = new Set<string>();
  const targets = new Set<string>();
  for (const b of blocks) {
    for (const l of b.src) sources.add(l);
    for (const l of b.tgt) targets.add(l);
  }
  return { sources: [...sources].sort(compareText), targets: [...targets].sort(compareText) };
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
  const blocks = capabilityBlocks(input);
  const region = input.region?.trim() || defaults.region;
  const tier = input.gpu_tier?.trim() || gpuTier(input.hardware?.gpus, defaults.tierThresholds);
  const langs = sha256Hex(JSON.stringify(blocks.map((b) => [b.src, b.tgt])));
  const signature = `${langs}|${region}|${tier}`;
  const poolId = sha256Hex(signature).slice(0, 16);
  return { blocks, ...blockLanguages(blocks), region, tier, signature, poolId };
}
