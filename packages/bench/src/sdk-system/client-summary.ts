/** Reading `lingua-client --json` in tests: its closing summary, and that summary when every utterance got through. */
import type { SourceCliRun } from '@lingua/testkit';

/** The summary object `lingua-client --json` prints as its last stdout line (`{}` when there is none). */
export function clientSummary(run: SourceCliRun): Record<string, unknown> {
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

/** The summary of a run in which every utterance of every session resolved as a translation, exactly once. */
export function everyUtteranceTranslated(
  sessions: number,
  utterancesPerSession: number,
): Record<string, number> {
  const utterances = sessions * utterancesPerSession;
  return {
    sessions,
    sessions_failed: 0,
    utterances_sent: utterances,
    resolved: utterances,
    results: utterances,
    missing: 0,
    errors: 0,
    unresolved: 0,
    duplicates: 0,
  };
}
