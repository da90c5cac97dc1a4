import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockLanguages,
  blocksServe,
  capabilityBlocks,
  computeCapability,
  gpuTier,
  type CapabilityInput,
  type LangBlock,
} from './pool-id.js';

const defaults = {
  region: 'eu-west',
  tierThresholds: [
    { tier: 'low', minGib: 0 },
    { tier: 'high', minGib: 40 },
    { tier: 'mid', minGib: 16 },
  ],
};

/** Test oracle: the directed pairs a block list spans, expanded (the code under test never expands them). */
function pairsOf(blocks: readonly LangBlock[]): string[] {
  const out = new Set<string>();
  for (const b of blocks) for (const s of b.src) for (const t of b.tgt) if (s !== t) out.add(`${s}:${t}`);
  return [...out].sort();
}

/** Test oracle: the directed pairs of a declaration, per the rules, by brute force. */
function declaredPairs(input: CapabilityInput): string[] {
  const clean = (l: readonly string[] | null | undefined) =>
    [...new Set((l ?? []).map((x) => x.trim()))].filter((x) => x !== '' && x !== 'auto' && x !== '*');
  const out = new Set<string>();
  const add = (s: string, t: string) => s !== t && out.add(`${s}:${t}`);
  const sets = (input.lang_sets ?? []).map(clean).filter((g) => g.length > 1);
  const asr = clean(input.language_capabilities?.asr_languages);
  if (sets.length > 0) {
    for (const g of sets) for (const s of g) for (const t of g) add(s, t);
  } else if (asr.length > 0) {
    const sem = clean(input.language_capabilities?.semantic_languages);
    const tgts = sem.length > 0 ? sem : clean(input.language_capabilities?.tts_languages);
    for (const s of asr) for (const t of tgts) add(s, t);
  }
  return [...out].sort();
}

describe('capability blocks', () => {
  it('are one asr × semantic block; a language into itself is no pair', () => {
    const input = {
      language_capabilities: {
        asr_languages: ['zh', 'en'],
        semantic_languages: ['ja', 'en'],
        tts_languages: ['fr'],
      },
    };
    expect(capabilityBlocks(input)).toEqual([{ src: ['en', 'zh'], tgt: ['en', 'ja'] }]);
    expect(pairsOf(capabilityBlocks(input))).toEqual(['en:ja', 'zh:en', 'zh:ja']);
    expect(blocksServe(capabilityBlocks(input), 'en', 'en')).toBe(false);
    expect(blocksServe(capabilityBlocks(input), 'en', 'ja')).toBe(true);
    expect(blocksServe(capabilityBlocks(input), 'ja', 'en')).toBe(false);
  });

  it('fall back to tts languages when there are no semantic languages', () => {
    expect(
      capabilityBlocks({ language_capabilities: { asr_languages: ['en'], tts_languages: ['de'] } }),
    ).toEqual([{ src: ['en'], tgt: ['de'] }]);
  });

  it('are one block per lang_sets group of two or more, when there is one', () => {
    const input = {
      language_capabilities: { asr_languages: ['ko'], semantic_languages: ['en'] },
      lang_sets: [['zh', 'en'], ['ja'], ['fr', 'de', 'fr']],
    };
    expect(capabilityBlocks(input)).toEqual([
      { src: ['de', 'fr'], tgt: ['de', 'fr'] },
      { src: ['en', 'zh'], tgt: ['en', 'zh'] },
    ]);
    // Only singleton groups: they serve nothing, so the declared languages apply.
    expect(capabilityBlocks({ ...input, lang_sets: [['ja']] })).toEqual([{ src: ['ko'], tgt: ['en'] }]);
  });

  it('come from enabled NMT models, grouped by source, when no languages are declared', () => {
    const installed_models = [
      { kind: 'NMT', src_lang: 'en', tgt_lang: 'fr' },
      { kind: 'nmt', src_lang: 'en', tgt_lang: 'de' },
      { kind: 'nmt', src_lang: 'fr', tgt_lang: 'en', enabled: false },
      { kind: 'asr', src_lang: 'de', tgt_lang: 'en' },
      { kind: 'nmt', src_lang: 'it' },
      { kind: 'nmt', src_lang: 'it', tgt_lang: 'it' },
    ];
    expect(capabilityBlocks({ installed_models })).toEqual([{ src: ['en'], tgt: ['de', 'fr'] }]);
    expect(
      capabilityBlocks({
        installed_models,
        language_capabilities: { asr_languages: ['de'], semantic_languages: ['en'] },
      }),
    ).toEqual([{ src: ['de'], tgt: ['en'] }]);
  });

  it('drop duplicates, blanks, auto, pairs into the same language and blocks inside other blocks', () => {
    expect(
      capabilityBlocks({
        language_capabilities: { asr_languages: ['en', 'en ', '', 'auto'], semantic_languages: ['zh'] },
      }),
    ).toEqual([{ src: ['en'], tgt: ['zh'] }]);
    expect(
      capabilityBlocks({
        language_capabilities: { asr_languages: ['en'], semantic_languages: ['en', 'zh'] },
      }),
    ).toEqual([{ src: ['en'], tgt: ['zh'] }]);
    expect(
      capabilityBlocks({ language_capabilities: { asr_languages: ['en'], semantic_languages: ['en'] } }),
    ).toEqual([]);
    expect(
      capabilityBlocks({
        lang_sets: [
          ['en', 'zh'],
          ['zh', 'ja', 'en'],
          ['en', 'zh'],
        ],
      }),
    ).toEqual([{ src: ['en', 'ja', 'zh'], tgt: ['en', 'ja', 'zh'] }]);
    expect(capabilityBlocks({})).toEqual([]);
    expect(capabilityBlocks({ language_capabilities: null, lang_sets: null })).toEqual([]);
  });

  it('a superset node serves every pair of its subsets (superset matching is automatic)', () => {
    const big = capabilityBlocks({ lang_sets: [['en', 'zh', 'ja']] });
    for (const p of pairsOf(capabilityBlocks({ lang_sets: [['zh', 'en']] }))) {
      const [s, t] = p.split(':') as [string, string];
      expect(blocksServe(big, s, t)).toBe(true);
    }
    expect(blocksServe(big, 'auto', 'ja')).toBe(true);
    expect(blocksServe(big, 'auto', 'ko')).toBe(false);
    expect(blocksServe(big, 'ko', 'en')).toBe(false);
  });

  it('span exactly the declared pairs, and list every language of a pair (property)', () => {
    const lang = fc.constantFrom('en', 'zh', 'ja', 'de', 'fr', 'auto', ' en');
    const langs = fc.array(lang, { maxLength: 6 });
    fc.assert(
      fc.property(langs, langs, langs, fc.array(langs, { maxLength: 4 }), (asr, sem, tts, sets) => {
        const input = {
          language_capabilities: { asr_languages: asr, semantic_languages: sem, tts_languages: tts },
          lang_sets: sets,
        };
        const blocks = capabilityBlocks(input);
        expect(pairsOf(blocks)).toEqual(declaredPairs(input));
        const { sources, targets } = blockLanguages(blocks);
        const pairs = declaredPairs(input).map((p) => p.split(':') as [string, string]);
        expect(sources).toEqual([...new Set(pairs.map(([s]) => s))].sort());
        expect(targets).toEqual([...new Set(pairs.map(([, t]) => t))].sort());
      }),
    );
  });
});

describe('gpuTier', () => {
  it('takes the largest GPU against thresholds given in any order', () => {
    expect(gpuTier([{ memory_gb: 8 }, { memory_gb: 24 }], defaults.tierThresholds)).toBe('mid');
    expect(gpuTier([{ memory_gb: 80 }], defaults.tierThresholds)).toBe('high');
    expect(gpuTier([{ memory_gb: 40 }], defaults.tierThresholds)).toBe('high');
    expect(gpuTier([{ memory_gb: 4 }], defaults.tierThresholds)).toBe('low');
  });

  it('is none without a GPU or below every threshold', () => {
    expect(gpuTier(undefined, defaults.tierThresholds)).toBe('none');
    expect(gpuTier([], defaults.tierThresholds)).toBe('none');
    expect(gpuTier([{ memory_gb: 4 }], [{ tier: 'big', minGib: 16 }])).toBe('none');
  });
});

describe('computeCapability', () => {
  const input = {
    language_capabilities: { asr_languages: ['en', 'zh'], semantic_languages: ['en', 'zh'] },
    hardware: { gpus: [{ memory_gb: 24 }] },
  };

  it('derives region and tier when the node does not state them; id = sha256(signature)[0..16]', () => {
    const c = computeCapability(input, defaults);
    expect(c.region).toBe('eu-west');
    expect(c.tier).toBe('mid');
    const langs = createHash('sha256').update('[[["en","zh"],["en","zh"]]]').digest('hex');
    expect(c.signature).toBe(`${langs}|eu-west|mid`);
    expect(c.blocks).toEqual([{ src: ['en', 'zh'], tgt: ['en', 'zh'] }]);
    expect(c.sources).toEqual(['en', 'zh']);
    expect(c.targets).toEqual(['en', 'zh']);
    expect(c.poolId).toBe(createHash('sha256').update(c.signature).digest('hex').slice(0, 16));
  });

  it('prefers the ext region and gpu_tier', () => {
    const c = computeCapability({ ...input, region: 'us-east', gpu_tier: 'high' }, defaults);
    expect(c.region).toBe('us-east');
    expect(c.tier).toBe('high');
  });

  it('separates pools by region and tier, and not by declaration order', () => {
    const base = computeCapability(input, defaults).poolId;
    expect(computeCapability({ ...input, region: 'ap' }, defaults).poolId).not.toBe(base);
    expect(computeCapability({ ...input, gpu_tier: 'high' }, defaults).poolId).not.toBe(base);
    const reordered = {
      ...input,
      language_capabilities: { asr_languages: ['zh', 'en'], semantic_languages: ['zh', 'en', 'en'] },
    };
    expect(computeCapability(reordered, defaults).poolId).toBe(base);
  });

  it('the same pairs as asr × semantic or as one lang_sets group give the same pool', () => {
    expect(computeCapability({ ...input, lang_sets: [['zh', 'en']] }, defaults).poolId).toBe(
      computeCapability(input, defaults).poolId,
    );
  });

  it('a hostile-sized declaration costs languages, not pairs: 4 groups × 256 codes give 4 blocks', () => {
    const group = (g: number) => Array.from({ length: 256 }, (_, i) => `l${g}-${i}`);
    const c = computeCapability({ lang_sets: [group(0), group(1), group(2), group(3)] }, defaults);
    expect(c.blocks).toHaveLength(4);
    expect(c.sources).toHaveLength(1024);
    expect(c.targets).toHaveLength(1024);
  });

  it('the pool id does not depend on declaration order (property)', () => {
    const lang = fc.constantFrom('en', 'zh', 'ja', 'de', 'fr');
    fc.assert(
      fc.property(fc.array(lang), fc.array(lang), (asr, sem) => {
        const a = computeCapability(
          { language_capabilities: { asr_languages: asr, semantic_languages: sem } },
          defaults,
        );
        const b = computeCapability(
          {
            language_capabilities: {
              asr_languages: [...asr].reverse(),
              semantic_languages: [...sem].reverse(),
            },
          },
          defaults,
        );
        expect(b.poolId).toBe(a.poolId);
        expect(b.blocks).toEqual(a.blocks);
      }),
    );
  });
});
