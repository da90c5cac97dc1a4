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
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxIdLength: 128,
  maxLangLength: 16,
  maxTextLength: 64 * 1024,
  maxArrayItems: 256,
});

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
