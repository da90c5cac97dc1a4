import { ProtocolError } from './errors.js';

/**
 * Size limits the decoders enforce. They are protocol defaults (docs/protocol.md "Limits"); the gateway's config
 * overrides them from LINGUA_* variables and builds its decoders with `createDecoders(limits)`.
 */
export interface Limits {
  /** Largest accepted frame, in UTF-8 bytes. */
  readonly maxFrameBytes: number;
  /** Ids and other short identifiers (session/job/node/trace ids, versions, codes, names), in characters. */
  readonly maxIdLength: number;
  /** Language codes (`src_lang`, `tgt_lang`, `lang_*`, `dialect`, language lists), in characters. */
  readonly maxLangLength: number;
  /** Free text: `text_*`, `text`, `context_text`, messages and reasons, in UTF-16 code units. */
  readonly maxTextLength: number;
  /** Items in any array. */
  readonly maxArrayItems: number;
  /** Free-form maps (`features`, `extra`, `details`, …): their size as JSON, in UTF-8 bytes. */
  readonly maxMapBytes: number;
  /** Free-form maps: keys at their top level. */
  readonly maxMapKeys: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxIdLength: 128,
  maxLangLength: 16,
  maxTextLength: 64 * 1024,
  maxArrayItems: 256,
  maxMapBytes: 4 * 1024,
  maxMapKeys: 64,
});

/**
 * Largest integer accepted in counters and indices (`utterance_index`, `seq`, `attempt_id`, `part_index`, counts,
 * sample rates): 2^31 − 1, so every consumer (Lua's cjson keeps 14 significant digits, 32-bit clients) holds it exactly.
 */
export const MAX_WIRE_INT = 2 ** 31 - 1;

/**
 * Largest value accepted in millisecond fields (timestamps since the epoch and durations): 2^43 − 1 ms, past the
 * year 2248 and 13 digits, so Lua's cjson stores it exactly.
 */
export const MAX_WIRE_MS = 2 ** 43 - 1;

/** Fills unspecified limits with the defaults and rejects nonsense (a limit must be a positive integer). */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Record<keyof Limits, number> = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const value = overrides[name] ?? DEFAULT_LIMITS[name];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ProtocolError(
        'INVALID_LIMITS',
        `limit ${name} must be a positive integer, got ${String(value)}`,
      );
    }
    limits[name] = value;
  }
  return Object.freeze(limits);
}
