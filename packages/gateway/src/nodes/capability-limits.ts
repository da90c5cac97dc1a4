/**
 * Bounds on what a node says about its languages, checked before any pool is computed: the pool's index entries,
 * its meta and every lookup grow with the number of languages, so a node may declare at most
 * `LINGUA_NODE_MAX_LANGUAGES` distinct codes over all its fields and groups, at most that many `lang_sets` groups,
 * at most that many codes in one group, and at most `GROUP_CODES_FACTOR` × that many codes over all groups
 * together (overlapping groups are stored as one block each, so their total size is what a pool meta holds).
 */
import type { CapabilityInput } from '@lingua/store';

export interface CapabilityLimitViolation {
  /** JSON pointer of the field that crossed the limit, e.g. `/lang_sets/2`. */
  path: string;
  message: string;
}

/**
 * Codes over all `lang_sets` groups, as a multiple of the language limit: room for one pivot language paired with
 * every other (2 × limit), while 64 groups of 63 codes each (a 100 KB pool meta) are refused.
 */
export const GROUP_CODES_FACTOR = 4;

type LanguageInput = Pick<CapabilityInput, 'language_capabilities' | 'lang_sets' | 'installed_models'>;

/** The first field (in declaration order) at which the node's languages exceed `maxLanguages`; undefined if none. */
export function languageLimitViolation(
  input: LanguageInput,
  maxLanguages: number,
): CapabilityLimitViolation | undefined {
  const seen = new Set<string>();
  const over = (path: string): CapabilityLimitViolation => ({
    path,
    message: `a node may declare at most ${maxLanguages} distinct languages (LINGUA_NODE_MAX_LANGUAGES)`,
  });
  const code = (raw: string | undefined): string | undefined => {
    const c = raw?.trim();
    return c && c !== 'auto' && c !== '*' ? c : undefined;
  };
  const count = (codes: readonly (string | undefined)[] | null | undefined, path: string) => {
    for (const raw of codes ?? []) {
      const c = code(raw);
      if (c !== undefined) seen.add(c);
      if (seen.size > maxLanguages) return over(path);
    }
    return undefined;
  };

  const caps = input.language_capabilities ?? {};
  for (const field of ['asr_languages', 'semantic_languages', 'tts_languages'] as const) {
    const v = count(caps[field], `/language_capabilities/${field}`);
    if (v) return v;
  }
  const sets = input.lang_sets ?? [];
  if (sets.length > maxLanguages) {
    return { path: '/lang_sets', message: `a node may declare at most ${maxLanguages} lang_sets groups` };
  }
  let groupCodes = 0;
  for (const [i, group] of sets.entries()) {
    groupCodes += group.length;
    if (groupCodes > GROUP_CODES_FACTOR * maxLanguages) {
      return {
        path: `/lang_sets/${i}`,
        message: `lang_sets may list at most ${GROUP_CODES_FACTOR * maxLanguages} codes over all groups`,
      };
    }
    if (group.length > maxLanguages) {
      return {
        path: `/lang_sets/${i}`,
        message: `a lang_sets group may list at most ${maxLanguages} languages`,
      };
    }
    const v = count(group, `/lang_sets/${i}`);
    if (v) return v;
  }
  // Models feed the capability only when neither a group of two nor an ASR language is declared (see
  // capabilityBlocks); then their codes count too.
  const usesModels =
    !sets.some((g) => new Set(g.map(code).filter((c) => c !== undefined)).size > 1) &&
    !(caps.asr_languages ?? []).some((l) => code(l) !== undefined);
  if (usesModels) {
    for (const [i, m] of (input.installed_models ?? []).entries()) {
      if (m.enabled === false || m.kind.toLowerCase() !== 'nmt') continue;
      const v = count([m.src_lang, m.tgt_lang], `/installed_models/${i}`);
      if (v) return v;
    }
  }
  return undefined;
}

/** The slots a node gets: what it asks for, at most `cap`; `cap` when it does not say. */
export function nodeSlots(asked: number | undefined, cap: number): number {
  return asked === undefined ? cap : Math.min(asked, cap);
}
