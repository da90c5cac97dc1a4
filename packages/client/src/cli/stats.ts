/** Latency percentiles and the run summary printed by `lingua-client`. */

/** Nearest-rank percentile of unsorted values; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface SessionReport {
  connected: boolean;
  connectError?: string;
  sessionIds: string[];
  sent: number;
  resolved: number;
  results: number;
  missing: number;
  unresolved: number;
  duplicates: number;
  errorCodes: string[];
  latenciesMs: number[];
  reconnects: number;
  resumeFailures: number;
}

export interface RunSummary {
  sessions: number;
  sessions_failed: number;
  utterances_sent: number;
  resolved: number;
  results: number;
  missing: number;
  errors: number;
  unresolved: number;
  duplicates: number;
  reconnects: number;
  resume_failures: number;
  error_codes: Record<string, number>;
  latency_ms: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  duration_ms: number;
}

export function summarize(reports: readonly SessionReport[], durationMs: number): RunSummary {
  const latencies = reports.flatMap((r) => r.latenciesMs);
  const errorCodes: Record<string, number> = {};
  for (const code of reports.flatMap((r) => r.errorCodes)) errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  const sum = (f: (r: SessionReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return {
    sessions: reports.length,
    sessions_failed: reports.filter((r) => !r.connected).length,
    utterances_sent: sum((r) => r.sent),
    resolved: sum((r) => r.resolved),
    results: sum((r) => r.results),
    missing: sum((r) => r.missing),
    errors: sum((r) => r.errorCodes.length),
    unresolved: sum((r) => r.unresolved),
    duplicates: sum((r) => r.duplicates),
    reconnects: sum((r) => r.reconnects),
    resume_failures: sum((r) => r.resumeFailures),
    error_codes: errorCodes,
    latency_ms: {
      p50: percentile(latencies, 50) ?? null,
      p90: percentile(latencies, 90) ?? null,
      p99: percentile(latencies, 99) ?? null,
      max: latencies.length === 0 ? null : Math.max(...latencies),
    },
    duration_ms: Math.round(durationMs),
  };
}

/** The run succeeded when every session connected and every utterance resolved exactly once. */
export function succeeded(s: RunSummary): boolean {
  return s.sessions_failed === 0 && s.unresolved === 0 && s.duplicates === 0 && s.utterances_sent > 0;
}
