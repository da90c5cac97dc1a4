/** The closing lines of the demo: what was translated, how the jobs travelled, how fast. */
import { percentiles } from '../lib/stats.js';
import type { UtteranceOutcome } from './conversation.js';

export function formatSummary(
  outcomes: readonly UtteranceOutcome[],
  expected: number,
  nodeCount: number,
): string[] {
  const latencies = outcomes.map((o) => o.latencyMs).filter((v) => Number.isFinite(v));
  const [p50, p99, max] = percentiles(latencies, [50, 99, 100]).map((v) => Math.round(v));
  const routed = outcomes.filter((o) => o.route !== undefined);
  const crossed = routed.filter((o) => o.route?.sessionInstance !== o.route?.nodeInstance);
  const nodes = new Set(routed.map((o) => o.route?.nodeId));
  const retried = routed.filter((o) => (o.route?.attempt ?? 1) > 1).length;
  return [
    '',
    'Summary',
    `  utterances  ${expected} sent, ${outcomes.length} translated`,
    `  routes      ${crossed.length} of ${routed.length} jobs crossed gateway instances · ` +
      `nodes used: ${nodes.size} of ${nodeCount} · retried: ${retried}`,
    `  latency     end of utterance → result: p50 ${p50} ms · p99 ${p99} ms · max ${max} ms (n=${latencies.length})`,
  ];
}
