/** Durations on the command line: `90s`, `15m`, `1h`, `7d`, `500ms`; a bare number is seconds. */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The duration in ms, or undefined when `text` is not a positive duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}
