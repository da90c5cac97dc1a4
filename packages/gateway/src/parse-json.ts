/** Parses JSON read back from Redis; undefined for a missing or unreadable value instead of a throw. */
export function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
