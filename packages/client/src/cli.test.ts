import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSourceCli } from '@lingua/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeWav } from './audio/wav.js';
import type { RunSummary } from './cli/stats.js';
import { FakeSessionGateway } from './testing/fake-session-gateway.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = runSourceCli(CLI, args);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

describe('lingua-client CLI', () => {
  let gateway: FakeSessionGateway;
  let dir: string;
  beforeEach(async () => {
    gateway = await FakeSessionGateway.start();
    dir = await mkdtemp(join(tmpdir(), 'lingua-cli-'));
  });
  afterEach(async () => {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints usage with --help and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: lingua-client');
    expect(run.stdout).toContain('NOT real Opus');
  });

  it('rejects bad arguments with exit code 2', async () => {
    const run = await runCli(['--mode', 'sideways']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--mode must be one_way or two_way_auto');
  });

  it('rejects a missing WAV file with exit code 2', async () => {
    const run = await runCli(['--url', gateway.url, '--wav', join(dir, 'nope.wav')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nope.wav');
  });

  it('streams generated utterances from several sessions and reports a JSON summary', async () => {
    gateway.autoTranslate();
    const run = await runCli([
      '--url',
      gateway.url,
      '--generate',
      '2',
      '--utterance-ms',
      '512',
      '--sessions',
      '3',
      '--speed',
      '0',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary).toMatchObject({
      sessions: 3,
      utterances_sent: 6,
      resolved: 6,
      results: 6,
      unresolved: 0,
      sessions_failed: 0,
    });
    expect(summary.latency_ms.p50).toBeGreaterThanOrEqual(0);
    // 512 ms of pcm16 at 16 kHz, in two 256 ms chunks, reached the gateway intact.
    const chunks = gateway.connections[0]!.received.filter((m) => m.type === 'audio_chunk');
    expect(chunks.map((c) => Buffer.from(c.payload ?? '', 'base64').byteLength)).toEqual([
      8192, 8192, 0, 8192, 8192, 0,
    ]);
  });

  it('streams a WAV file (resampled) and prints the transcript', async () => {
    gateway.autoTranslate();
    const path = join(dir, 'speech.wav');
    await writeFile(path, encodeWav(new Int16Array(8000 * 2), 8000, 2)); // 1 s stereo at 8 kHz
    const run = await runCli(['--url', gateway.url, '--wav', path, '--speed', '0']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\[s0\] #0 result \+\d+ms asr="utt#0 32000b"/);
    expect(run.stdout).toContain('1 sent, 1 resolved');
  });

  it('asks for partials with --streaming-asr and prints each before its result', async () => {
    gateway.autoTranslate();
    const args = ['--url', gateway.url, '--generate', '2', '--speed', '0', '--no-progress'];
    const plain = await runCli(args);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('partial');

    const run = await runCli([...args, '--streaming-asr']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => / #\d (partial|result) /.test(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\[s0\] #0 partial \+\d+ms "utt#0…"$/);
    expect(lines[1]).toMatch(/^\[s0\] #0 result \+\d+ms asr="utt#0 \d+b"/);
    expect(lines[2]).toMatch(/^\[s0\] #1 partial \+\d+ms "utt#1…"$/);
    expect(lines[3]).toMatch(/^\[s0\] #1 result /);
  });

  it('frames audio as Opus Plan A with --format opus-plan-a', async () => {
    gateway.autoTranslate();
    const run = await runCli([
      '--url',
      gateway.url,
      '--generate',
      '1',
      '--utterance-ms',
      '400',
      '--format',
      'opus-plan-a',
      '--speed',
      '0',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const conn = gateway.connections[0]!;
    const init = conn.received.find((m) => m.type === 'session_init');
    expect(init).toMatchObject({ audio_format: 'opus' });
    const bytes = conn.received.flatMap((m) =>
      m.type === 'audio_chunk' ? [Buffer.from(m.payload ?? '', 'base64')] : [],
    );
    // 20 packets of 640 bytes, each behind a 2-byte length.
    expect(Buffer.concat(bytes).byteLength).toBe(20 * 642);
  });

  it('exits 1 when utterances stay unresolved', async () => {
    gateway.autoTranslate({ answer: false });
    const run = await runCli([
      '--url',
      gateway.url,
      '--generate',
      '1',
      '--utterance-ms',
      '300',
      '--speed',
      '0',
      '--timeout-ms',
      '200',
      '--json',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ utterances_sent: 1, resolved: 0, unresolved: 1 });
  });

  it('sends the credential of --token-file, trimmed, from every session', async () => {
    gateway.autoTranslate();
    const file = join(dir, 'session.jwt');
    await writeFile(file, 'eyJh.eyJz.sig\n');
    const run = await runCli([
      '--url',
      gateway.url,
      '--token-file',
      file,
      '--sessions',
      '2',
      '--generate',
      '1',
      '--utterance-ms',
      '300',
      '--speed',
      '0',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(gateway.upgrades.map((u) => u.headers.authorization)).toEqual([
      'Bearer eyJh.eyJz.sig',
      'Bearer eyJh.eyJz.sig',
    ]);
  });

  it('exits 1 and names AUTH_REJECTED when the gateway refuses the credential', async () => {
    gateway.refuseUpgrades({ status: 401, body: 'expired\n' });
    const run = await runCli(['--url', gateway.url, '--token', 'eyJh.eyJz.sig', '--speed', '0', '--json']);
    expect(run.code).toBe(1);
    expect(gateway.upgrades).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      sessions_failed: 1,
      error_codes: { AUTH_REJECTED: 1 },
    });
  });
});
