import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capabilityPairs, computeCapability, directedPairs, gpuTier, langPairKey } from './pool-id.js';

const defaults = {
  region: 'eu-west',
  tierThresholds: [
    { tier: 'low', minGib: 0 },
    { tier: 'high', minGib: 40 },
    { tier: 'mid', minGib: 16 },
  ],
};

describe('capability pairs', () => {
  it('are asr × semantic without same-language pairs, plus *:tgt for auto detection', () => {
    const input = {
      language_capabilities: {
        asr_languages: ['en', 'zh'],
        semantic_languages: ['en', 'ja'],
        tts_languages: ['fr'],
      },
    };
    expect(directedPairs(input)).toEqual(['en:ja', 'zh:en', 'zh:ja']);
    expect(capabilityPairs(input)).toEqual(['*:en', '*:ja', 'en:ja', 'zh:en', 'zh:ja']);
  });

  it('fall back to tts languages when there are no semantic languages', () => {
    expect(
      capabilityPairs({ language_capabilities: { asr_languages: ['en'], tts_languages: ['de'] } }),
    ).toEqual(['*:de', 'en:de']);
  });

  it('come from every ordered pair of each lang_sets group of two or more, when there is one', () => {
    const input = {
      language_capabilities: { asr_languages: ['ko'], semantic_languages: ['en'] },
      lang_sets: [['en', 'zh'], ['ja']],
    };
    expect(directedPairs(input)).toEqual(['en:zh', 'zh:en']);
    // Only singleton groups: they serve nothing, so the declared languages apply.
    expect(directedPairs({ ...input, lang_sets: [['ja']] })).toEqual(['ko:en']);
  });

  it('come from enabled NMT models when no languages are declared', () => {
    const installed_models = [
      { kind: 'NMT', src_lang: 'en', tgt_lang: 'fr' },
      { kind: 'nmt', src_lang: 'fr', tgt_lang: 'en', enabled: false },
      { kind: 'asr', src_lang: 'de', tgt_lang: 'en' },
      { kind: 'nmt', src_lang: 'it' },
    ];
    expect(directedPairs({ installed_models })).toEqual(['en:fr']);
    expect(
      directedPairs({
        installed_models,
        language_capabilities: { asr_languages: ['de'], semantic_languages: ['en'] },
      }),
    ).toEqual(['de:en']);
  });

  it('drop duplicates, blanks and auto; empty without languages', () => {
    expect(
      directedPairs({
        language_capabilities: { asr_languages: ['en', 'en ', '', 'auto'], semantic_languages: ['zh'] },
      }),
    ).toEqual(['en:zh']);
    expect(capabilityPairs({})).toEqual([]);
    expect(capabilityPairs({ language_capabilities: null, lang_sets: null })).toEqual([]);
  });

  it('a superset node serves every pair of its subsets (superset matching is automatic)', () => {
    const big = new Set(capabilityPairs({ lang_sets: [['en', 'zh', 'ja']] }));
    for (const p of capabilityPairs({ lang_sets: [['zh', 'en']] })) expect(big.has(p)).toBe(true);
    expect(big.has(langPairKey('zh', 'en'))).toBe(true);
    expect(big.has(langPairKey('auto', 'ja'))).toBe(true);
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
    expect(c.signature).toBe('en:zh,zh:en|eu-west|mid');
    expect(c.pairs).toEqual(['*:en', '*:zh', 'en:zh', 'zh:en']);
    expect(c.poolId).toBe(createHash('sha256').update('en:zh,zh:en|eu-west|mid').digest('hex').slice(0, 16));
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

  it('the pool id depends only on the set of pairs (property)', () => {
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
        expect(a.pairs).toEqual([...new Set(a.pairs)].sort());
        expect(a.directedPairs.every((p) => p.split(':')[0] !== p.split(':')[1])).toBe(true);
      }),
    );
  });
});
