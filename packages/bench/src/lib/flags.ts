import { BenchError } from './errors.js';

/** Parsed `--name value` flags of a scenario. */
export type Flags = Readonly<Record<string, string | undefined>>;

/** A positive integer flag, or its default when absent. */
export function intFlag(flags: Flags, name: string, def: number): number {
  const raw = flags[name];
  if (raw === undefined) return def;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new BenchError('BAD_ARGUMENT', `--${name} must be a positive integer, got "${raw}"`);
  }
  return v;
}
