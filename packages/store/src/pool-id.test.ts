import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capabilityPairs, computeCapability, gpuTier, langPairKey } from './pool-id.js';

const defaults = {
  region: 'eu-west',
  tierThresholds: [
    { tier: 'low', minGib: 0 },
    { tier: 'high', minGib: 40 },
    { tier: 'mid', minGib: 16 },
  ],
};

describe('capabilityPairs', () => {
  it('is asr × semantic, plus *:tgt for auto detection', () => {
    const pairs = capabilityPairs({
      language_capabilities: {
        asr_languages: ['en', 'zh'],
        semantic_languages: ['en', 'ja'],
        tts_languages: ['fr'],
      },
    });
    expect(pairs).toEqual(['*:en', '*:ja', 'en:en', 'en:ja', 'zh:en', 'zh:ja']);
  });

  it('falls back to tts languages when there are no semantic languages', () => {
    expect(
      capabilityPairs({ language_capabilities: { asr_languages: ['en'], tts_languages: ['de'] } }),
    ).toEqual(['*:de', 'en:de']);
  });

  it('uses every ordered pair of each lang_sets group instead, when given', () => {
    const pairs = capabilityPairs({
      language_capabilities: { asr_languages: ['ko'], semantic_languages: ['ko'] },
      lang_sets: [['en', 'zh'], ['ja']],
    });
    expect(pairs).toEqual(['*:en', '*:ja', '*:zh', 'en:en', 'en:zh', 'ja:ja', 'zh:en', 'zh:zh']);
  });

  it('normalises case, drops duplicates, blanks and auto', () => {
    expect(
      capabilityPairs({
        language_capabilities: { asr_languages: ['EN', 'en ', '', 'auto'], semantic_languages: ['ZH'] },
      }),
    ).toEqual(['*:zh', 'en:zh']);
  });

  it('serves nothing without languages', () => {
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

  it('derives region and tier when the node does not state them', () => {
    const c = computeCapability(input, defaults);
    expect(c.region).toBe('eu-west');
    expect(c.tier).toBe('mid');
    expect(c.signature).toBe('*:en,*:zh,en:en,en:zh,zh:en,zh:zh|eu-west|mid');
    expect(c.poolId).toMatch(/^[0-9a-f]{16}$/);
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
      language_capabilities: { asr_languages: ['zh', 'en'], semantic_languages: ['zh', 'en', 'EN'] },
    };
    expect(computeCapability(reordered, defaults).poolId).toBe(base);
  });

  it('the pool id depends only on the signature (property)', () => {
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
      }),
    );
  });
});
