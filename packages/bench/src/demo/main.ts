/**
 * `npm run demo`: Redis (private unless REDIS_URL is set), two gateways, three simulated nodes and two client
 * sessions; prints the transcript, routes and latencies, exits 0 when every utterance was translated. With
 * `--keep` the stack stays up until Ctrl-C. SIGINT/SIGTERM stop every process the demo started.
 */
import type { JobAssign } from '@lingua/protocol';
import { kitToken, type GatewayHandle } from '@lingua/testkit';
import { USAGE, parseDemoArgs, type DemoOptions } from './args.js';
import { DEMO_CONVERSATIONS, runConversation, type UtteranceOutcome } from './conversation.js';
import { clientCommand } from './client-hint.js';
import { DemoError } from './errors.js';
import { createRouteReader, type RouteReader } from './routes.js';
import { startDemoStack, type DemoStack } from './stack.js';
import { formatSummary } from './summary.js';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Cleanups in start order; run in reverse on exit or signal. */
const cleanups: (() => Promise<void>)[] = [];
let keeping = false;

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const next = cleanups.pop();
    await next?.().catch(() => undefined);
  }
}

/** Set once a signal arrived: the run then ends however it ends, and the exit status says it was interrupted. */
let interruptedBy: NodeJS.Signals | undefined;

function signalExitCode(signal: NodeJS.Signals): number {
  if (keeping) return 0; // --keep ends with Ctrl-C by design
  return signal === 'SIGINT' ? 130 : 143;
}

function installSignalHandlers(): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interruptedBy !== undefined) process.exit(signalExitCode(signal));
    interruptedBy = signal;
    process.stderr.write(`\n${signal}: stopping the demo…\n`);
    void cleanUp().finally(() => process.exit(signalExitCode(signal)));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function run(opts: DemoOptions): Promise<void> {
  const startedAt = Date.now();
  print('Lingua Gateway demo: 2 gateway instances, 3 simulated GPU nodes, Redis as the source of truth');
  const stack: DemoStack = await startDemoStack({
    step: (line) => print(`  ${line}`),
    track: (stop) => cleanups.push(stop),
    gateway: (g) => startedGateways.push(g),
  });

  const languages = new Map<string, string>();
  for (const agent of stack.fleet.agents) {
    agent.on('job', (job: JobAssign) => languages.set(job.job_id, `${job.src_lang}→${job.tgt_lang}`));
  }
  const routes: RouteReader = createRouteReader(stack.redis, stack.keyPrefix);
  cleanups.push(() => routes.close());

  const [gateway1, gateway2] = stack.gateways as [(typeof stack.gateways)[0], (typeof stack.gateways)[0]];
  const sessionGateway = opts.layout === 'cross' ? gateway2 : gateway1;
  const outcomes: UtteranceOutcome[] = [];
  for (const spec of DEMO_CONVERSATIONS) {
    outcomes.push(
      ...(await runConversation(spec, {
        url: sessionGateway.wsUrl('/ws/session'),
        gatewayName: sessionGateway.name,
        routes,
        jobLanguages: (jobId) => languages.get(jobId),
        print,
      })),
    );
  }
  const expected = DEMO_CONVERSATIONS.reduce((n, c) => n + c.utteranceMs.length, 0);
  for (const line of formatSummary(outcomes, expected, stack.fleet.agents.length)) print(line);
  print(`Demo OK in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);

  if (opts.keep) {
    keeping = true;
    print('');
    print('Everything keeps running; Ctrl-C stops it all.');
    for (const g of stack.gateways) {
      print(
        `  ${g.name.padEnd(10)} API ${g.adminUrl}/api/v1/nodes · metrics ${g.adminUrl}/metrics · health ${g.url}/readyz`,
      );
      print(`  ${''.padEnd(10)} ws  ${g.wsUrl('/ws/session')} · ${g.wsUrl('/ws/node')}`);
    }
    // Authentication is on, as in production: the URLs above carry their tokens; the admin API wants this one.
    print(`  admin      Authorization: Bearer ${kitToken('admin', { sub: 'demo-operator' })}`);
    print(`  redis      ${stack.redis.description}, keys under ${stack.keyPrefix}:`);
    print(`  try        ${clientCommand(gateway2.wsUrl('/ws/session'))}`);
    await new Promise<never>(() => {});
  }
}

const startedGateways: GatewayHandle[] = [];

/** The stack may be half-started; the gateways' own logs are what explains a failure. */
function printLogTails(): void {
  for (const g of startedGateways) {
    process.stderr.write(`--- ${g.name} log tail ---\n${g.logs.slice(-20).join('\n')}\n`);
  }
}

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseDemoArgs(argv);
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\nRun npm run demo -- --help for usage.\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  installSignalHandlers();
  try {
    await run(command.options);
    return 0;
  } catch (err) {
    // Stopping the stack under a running conversation makes it fail; that is the signal's doing, not a failure.
    if (interruptedBy !== undefined) return signalExitCode(interruptedBy);
    if (command.options.verbose) printLogTails();
    const message =
      err instanceof DemoError ? err.message : `unexpected error: ${(err as Error).stack ?? String(err)}`;
    process.stderr.write(`demo failed: ${message}\n`);
    return 1;
  } finally {
    await cleanUp();
  }
}

process.exitCode = await main(process.argv.slice(2));
process.exit();
