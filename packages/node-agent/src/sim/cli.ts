#!/usr/bin/env node
/** `lingua-node-sim`: simulated GPU nodes for demos, load tests and system tests. */
import { NodeAgentError } from '../errors.js';
import type { NodeAgent } from '../node-agent.js';
import { USAGE, parseSimArgs, type SimCliOptions } from './args.js';
import { startSimFleet } from './fleet.js';

type Emit = (event: string, node: string, fields: Record<string, unknown>, important?: boolean) => void;

function printer(opts: SimCliOptions): Emit {
  return (event, node, fields, important = false) => {
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ts: Date.now(), event, node, ...fields })}\n`);
      return;
    }
    if (opts.quiet && event !== 'error') return;
    const text = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const line = `${new Date().toISOString()} ${node} ${event} ${text}\n`;
    if (event === 'error' || important) process.stderr.write(line);
    else process.stdout.write(line);
  };
}

function watch(agent: NodeAgent, name: string, emit: Emit): void {
  agent.on('registered', (r) => emit('registered', name, { node_id: r.nodeId, status: r.status }));
  agent.on('status', (s) => emit('status', name, { status: s.status, reason: s.reason }));
  agent.on('result', (r) =>
    emit('result', name, {
      job_id: r.job_id,
      utterance_index: r.utterance_index,
      success: r.success,
      ...(r.success ? { text: r.text_translated ?? '' } : { error: r.error?.code ?? '' }),
      ms: r.processing_time_ms,
    }),
  );
  agent.on('cancel', (c) => emit('cancel', name, { job_id: c.job_id }));
  agent.on('disconnected', (d) => emit('disconnected', name, { code: d.code, reason: d.reason }));
  agent.on('reconnecting', (r) => emit('reconnecting', name, { attempt: r.attempt, delay_ms: r.delayMs }));
  agent.on('error', (e) => emit('error', name, { code: e.code, message: e.message }));
  agent.on('drained', () => emit('drained', name, {}));
}

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseSimArgs(argv);
  } catch (err) {
    if (err instanceof NodeAgentError && err.code === 'INVALID_OPTIONS') {
      process.stderr.write(`lingua-node-sim: ${err.message}\nRun lingua-node-sim --help for usage.\n`);
      return 2;
    }
    throw err;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts = command.options;
  const emit = printer(opts);
  const fleet = startSimFleet(opts);
  fleet.agents.forEach((agent, i) => watch(agent, `node-${i}`, emit));
  emit('started', 'sim', { url: opts.url, nodes: opts.nodes }, true);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal: the user does not want to wait for in-flight jobs.
        void fleet.stop().then(() => resolve(130));
        return;
      }
      stopping = true;
      emit('draining', 'sim', { signal }, true);
      void fleet.drain().then(() => resolve(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Every node presents the same credential: once the gateway refuses it, no node can ever register.
    for (const agent of fleet.agents) {
      agent.once('stopped', ({ error }) => {
        if (error?.code !== 'AUTH_REJECTED' || stopping) return;
        stopping = true;
        void fleet.stop().then(() => resolve(1));
      });
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `lingua-node-sim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
