import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimArgs } from './args.js';

describe('parseSimArgs', () => {
  it('fills defaults', () => {
    const cmd = parseSimArgs([]);
    expect(cmd).toMatchObject({
      kind: 'run',
      options: {
        url: 'ws://127.0.0.1:5010',
        nodes: 1,
        asrLanguages: ['en', 'zh'],
        targetLanguages: ['en', 'zh'],
        latency: { minMs: 50, maxMs: 150 },
        failureRate: 0,
        tts: true,
        maxJobs: 4,
        rejectRepeats: true,
      },
    });
  });

  it('reads every option', () => {
    const cmd = parseSimArgs(
      '--url ws://gw:1 --nodes 3 --asr en --tgt zh,ja --lang-set en,zh --lang-set ja,ko --region eu --gpu-tier a100 --latency 100 --failure-rate 0.25 --no-tts --max-jobs 2 --heartbeat-ms 500 --state-dir /tmp/s --seed 9 --allow-repeats --json'.split(
        ' ',
      ),
    );
    expect(cmd).toEqual({
      kind: 'run',
      options: {
        url: 'ws://gw:1',
        nodes: 3,
        asrLanguages: ['en'],
        targetLanguages: ['zh', 'ja'],
        langSets: [
          ['en', 'zh'],
          ['ja', 'ko'],
        ],
        region: 'eu',
        gpuTier: 'a100',
        latency: { minMs: 100, maxMs: 100 },
        failureRate: 0.25,
        tts: false,
        maxJobs: 2,
        heartbeatIntervalMs: 500,
        stateDir: '/tmp/s',
        seed: 9,
        rejectRepeats: false,
        json: true,
        quiet: false,
      },
    });
  });

  it('reads the gateway credential from --token, or trimmed from --token-file', async () => {
    expect(parseSimArgs(['--token', 'eyJh.eyJz.sig'])).toMatchObject({ options: { token: 'eyJh.eyJz.sig' } });
    expect(parseSimArgs([])).not.toHaveProperty('options.token');
    const dir = await mkdtemp(join(tmpdir(), 'sim-args-'));
    try {
      const file = join(dir, 'node.jwt');
      await writeFile(file, '  eyJh.eyJz.sig\n');
      expect(parseSimArgs(['--token-file', file])).toMatchObject({ options: { token: 'eyJh.eyJz.sig' } });
      await writeFile(file, '\n');
      expect(() => parseSimArgs(['--token-file', file])).toThrow('--token-file is empty');
      expect(() => parseSimArgs(['--token-file', join(dir, 'missing.jwt')])).toThrow(
        /--token-file: .*ENOENT/,
      );
      expect(() => parseSimArgs(['--token', 'a', '--token-file', file])).toThrow(
        'use either --token or --token-file',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('recognises --help', () => {
    expect(parseSimArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--nodes', '0'], /--nodes/],
    [['--latency', '150-50'], /reversed/],
    [['--latency', 'fast'], /latency/],
    [['--failure-rate', '2'], /--failure-rate/],
    [['--url', 'nope'], /--url/],
    [['--asr', ','], /--asr/],
    [['--tts', '--no-tts'], /contradict/],
    [['--bogus'], /bogus/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSimArgs(argv)).toThrow(message);
  });
});
