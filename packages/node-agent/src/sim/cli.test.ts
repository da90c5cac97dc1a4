import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSourceCli } from '@lingua/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNodeGateway } from '../testing/fake-gateway.js';
import { jobAssign } from '../testing/job-assign.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

function runCli(args: string[]) {
  return runSourceCli(CLI, args);
}

describe('lingua-node-sim CLI', () => {
  let gateway: FakeNodeGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
  });

  it('prints usage with --help and exits 0', async () => {
    const run = runCli(['--help']);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toContain('Usage: lingua-node-sim');
    expect(run.stdout).toContain('--latency');
  });

  it('rejects bad arguments with exit code 2 and a hint', async () => {
    const run = runCli(['--failure-rate', 'lots']);
    expect(await run.exited).toBe(2);
    expect(run.stderr).toContain('--failure-rate must be a number between 0 and 1');
    expect(run.stderr).toContain('--help');
  });

  it('runs N nodes that answer jobs, and drains and exits 0 on SIGTERM', async () => {
    gateway = await FakeNodeGateway.start();
    const run = runCli([
      '--url',
      gateway.url,
      '--nodes',
      '2',
      '--latency',
      '5',
      '--asr',
      'en',
      '--tgt',
      'de',
      '--json',
    ]);
    try {
      const conns = [await gateway.nextConnection(10_000), await gateway.nextConnection(10_000)];
      const registers = await Promise.all(conns.map((c, i) => c.accept(`sim-${i}`)));
      expect(registers.map((r) => r.language_capabilities?.asr_languages)).toEqual([['en'], ['en']]);
      const conn = conns[1]!;
      conn.send(
        jobAssign('j1', 0, {
          session_id: 's1',
          tgt_lang: 'de',
          pipeline: { use_asr: true, use_nmt: true, use_tts: true },
          audio: Buffer.alloc(6400).toString('base64'),
          trace_id: 't1',
        }),
      );
      expect(await conn.next('job_result', 10_000)).toMatchObject({
        job_id: 'j1',
        node_id: 'sim-1',
        success: true,
        text_translated: '[de] utt#0 10p',
      });
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await Promise.all(conns.map((c) => c.closed));
      const events = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; node: string });
      expect(
        events
          .filter((e) => e.event === 'registered')
          .map((e) => e.node)
          .sort(),
      ).toEqual(['node-0', 'node-1']);
      expect(events.filter((e) => e.event === 'drained')).toHaveLength(2);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('sends the credential of --token-file, trimmed, from every node', async () => {
    gateway = await FakeNodeGateway.start();
    const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
    const file = join(dir, 'node.jwt');
    await writeFile(file, 'eyJh.eyJz.sig\n');
    const run = runCli(['--url', gateway.url, '--token-file', file, '--nodes', '2', '--quiet']);
    try {
      const conns = [await gateway.nextConnection(10_000), await gateway.nextConnection(10_000)];
      await Promise.all(conns.map((c, i) => c.accept(`sim-${i}`)));
      expect(gateway.upgrades.map((u) => u.headers.authorization)).toEqual([
        'Bearer eyJh.eyJz.sig',
        'Bearer eyJh.eyJz.sig',
      ]);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with the reason when the gateway refuses the credential', async () => {
    gateway = await FakeNodeGateway.start();
    gateway.refuseUpgrades({ status: 401, body: 'bad_signature\n' });
    const run = runCli(['--url', gateway.url, '--token', 'eyJh.eyJz.sig', '--json']);
    try {
      expect(await run.exited).toBe(1);
      expect(gateway.upgrades.map((u) => u.headers.authorization)).toEqual(['Bearer eyJh.eyJz.sig']);
      const errors = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; code?: string; message?: string })
        .filter((e) => e.event === 'error');
      expect(errors).toEqual([
        expect.objectContaining({
          code: 'AUTH_REJECTED',
          message: 'the gateway refused the credential: 401 Unauthorized (bad_signature)',
        }),
      ]);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
