#!/usr/bin/env node
/** `lingua-client`: stream speech to a Lingua gateway from one or many sessions and report what came back. */
import { readWavFile } from './audio/wav.js';
import { generateSpeechLike } from './audio/speech-generator.js';
import { ClientError } from './errors.js';
import { USAGE, parseClientArgs, type ClientCliOptions } from './cli/args.js';
import { ProgressBar } from './cli/progress.js';
import { startSession, type SessionRun } from './cli/run-session.js';
import { succeeded, summarize, type RunSummary } from './cli/stats.js';

async function loadAudio(opts: ClientCliOptions): Promise<Int16Array[]> {
  if (opts.wav !== undefined) return [(await readWavFile(opts.wav)).samples];
  return Array.from({ length: opts.generate }, (_, i) =>
    generateSpeechLike({ durationMs: opts.utteranceMs, seed: opts.seed * 1000 + i }),
  );
}

function printSummary(s: RunSummary): void {
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
  const lines = [
    `sessions        ${s.sessions} (${s.sessions_failed} failed to open)`,
    `utterances      ${s.utterances_sent} sent, ${s.resolved} resolved (${s.results} results, ${s.missing} missing), ${s.unresolved} unresolved`,
    `errors          ${s.errors}${Object.keys(s.error_codes).length > 0 ? ` ${JSON.stringify(s.error_codes)}` : ''}`,
    `latency         p50 ${ms(s.latency_ms.p50)} · p90 ${ms(s.latency_ms.p90)} · p99 ${ms(s.latency_ms.p99)} · max ${ms(s.latency_ms.max)}`,
    `reconnects      ${s.reconnects} (${s.resume_failures} could not resume)`,
    `duration        ${s.duration_ms} ms`,
  ];
  if (s.duplicates > 0) lines.push(`DUPLICATES      ${s.duplicates} utterances resolved more than once`);
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseClientArgs(argv);
  } catch (err) {
    if (err instanceof ClientError && err.code === 'INVALID_OPTIONS') {
      process.stderr.write(`lingua-client: ${err.message}\nRun lingua-client --help for usage.\n`);
      return 2;
    }
    throw err;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts = command.options;
  let audio: Int16Array[];
  try {
    audio = await loadAudio(opts);
  } catch (err) {
    if (err instanceof ClientError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`lingua-client: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }

  const runs: SessionRun[] = [];
  const progress =
    opts.progress && process.stderr.isTTY
      ? new ProgressBar(process.stderr, () => ({
          sessions: opts.sessions,
          sessionsUp: runs.filter((r) => r.client.connected).length,
          sent: runs.reduce((n, r) => n + r.sent(), 0),
          resolved: runs.reduce((n, r) => n + r.client.utterances.resolvedCount, 0),
          expected: opts.sessions * audio.length,
        }))
      : undefined;
  const print = (line: string) => {
    if (opts.json || opts.quiet) return;
    progress?.clear();
    process.stdout.write(`${line}\n`);
  };

  const started = performance.now();
  progress?.start();
  for (let i = 0; i < opts.sessions; i++) {
    if (opts.rampMs > 0 && i > 0) await new Promise((r) => setTimeout(r, opts.rampMs / opts.sessions));
    runs.push(startSession(`s${i}`, audio, opts, print));
  }
  const reports = await Promise.all(runs.map((r) => r.done));
  progress?.stop();
  const summary = summarize(reports, performance.now() - started);
  if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else printSummary(summary);
  return succeeded(summary) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `lingua-client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
