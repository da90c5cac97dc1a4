/**
 * `npm run bench -- <scenario> [--json <file>] [--<flag> <value> ...]`: runs one scenario, prints its figures,
 * and with `--json` writes `{"scenario", "figures", "env"}` to the file. Scenarios are listed in SCENARIOS.
 */
import { parseArgs } from './cli-args.js';
import { BenchError } from './lib/errors.js';
import { writeJsonReport, type BenchReport } from './lib/report.js';
import { startStealMeter } from './lib/cpu-steal.js';
import { probeMachine } from './lib/machine-probe.js';
import { roundFigure } from './lib/stats.js';
import { runNodesScenario, type Flags } from './scenarios/nodes.js';
import { runDispatchScenario } from './scenarios/dispatch.js';
import { runClusterScenario } from './scenarios/cluster.js';

const SCENARIOS: Record<string, { describe: string; run: (flags: Flags) => Promise<BenchReport> }> = {
  nodes: {
    describe: 'N simulated nodes register and heartbeat (--nodes N, default 2000)',
    run: runNodesScenario,
  },
  dispatch: {
    describe:
      'N sessions × M nodes, utterances at --rate/s (--sessions 100 --nodes 10 --rate 1000 --seconds 10)',
    run: runDispatchScenario,
  },
  cluster: {
    describe: 'sessions on one gateway, nodes on another, --rate/s; + socket.io relay peer',
    run: runClusterScenario,
  },
};

function usage(): string {
  const lines = Object.entries(SCENARIOS).map(([name, s]) => `  ${name.padEnd(12)} ${s.describe}`);
  return `usage: npm run bench -- <scenario> [--json <file>] [flags]\nscenarios:\n${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof BenchError)) throw err;
    process.stderr.write(`${err.message}\n${usage()}`);
    process.exit(2);
  }
  const { scenario, flags, help } = args;
  if (help) {
    process.stdout.write(usage());
    return;
  }
  const entry = scenario === undefined ? undefined : SCENARIOS[scenario];
  if (!entry) {
    process.stderr.write(scenario === undefined ? usage() : `unknown scenario "${scenario}"\n${usage()}`);
    process.exit(2);
  }
  const { json, ...rest } = flags;
  const probe = await probeMachine();
  process.stderr.write(
    `machine probe (trivial script, 1/ms, idle machine): p50 ${roundFigure(probe.p50Ms)} ms, p99 ${roundFigure(probe.p99Ms)} ms\n`,
  );
  const steal = startStealMeter();
  const report = await entry.run(rest);
  report.env.probe_script_p50_ms = roundFigure(probe.p50Ms);
  report.env.probe_script_p99_ms = roundFigure(probe.p99Ms);
  const stealPct = steal.stop();
  if (stealPct !== undefined) {
    report.env.cpu_steal_pct = roundFigure(stealPct);
    process.stderr.write(`host CPU steal during the run: ${report.env.cpu_steal_pct}%\n`);
  }
  if (json) {
    await writeJsonReport(json, report);
    process.stderr.write(`wrote ${json}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
