import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClientArgs } from './args.js';

describe('parseClientArgs', () => {
  it('reads the gateway credential from --token, or trimmed from --token-file', async () => {
    expect(parseClientArgs(['--token', 'eyJh.eyJz.sig'])).toMatchObject({
      options: { token: 'eyJh.eyJz.sig' },
    });
    expect(parseClientArgs([])).not.toHaveProperty('options.token');
    const dir = await mkdtemp(join(tmpdir(), 'client-args-'));
    try {
      const file = join(dir, 'session.jwt');
      await writeFile(file, 'eyJh.eyJz.sig\r\n');
      expect(parseClientArgs(['--token-file', file])).toMatchObject({ options: { token: 'eyJh.eyJz.sig' } });
      await writeFile(file, 'two tokens');
      expect(() => parseClientArgs(['--token-file', file])).toThrow(
        '--token-file must be one token without spaces or control characters',
      );
      expect(() => parseClientArgs(['--token-file', join(dir, 'missing.jwt')])).toThrow(
        /--token-file: .*ENOENT/,
      );
      expect(() => parseClientArgs(['--token-file', file, '--token', 'a'])).toThrow(
        'use either --token or --token-file',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fills defaults', () => {
    expect(parseClientArgs([])).toMatchObject({
      kind: 'run',
      options: {
        url: 'ws://127.0.0.1:5010',
        generate: 3,
        srcLang: 'en',
        tgtLang: 'zh',
        mode: 'one_way',
        sessions: 1,
        format: 'pcm16',
        speed: 1,
        timeoutMs: 30000,
        json: false,
        progress: true,
      },
    });
  });

  it('reads every option', () => {
    const cmd = parseClientArgs(
      '--url ws://gw:9 --wav a.wav --src auto --tgt ja --mode two_way_auto --lang-a en --lang-b ja --sessions 200 --ramp-ms 1000 --format opus-plan-a --speed 0 --utterance-ms 800 --gap-ms 250 --streaming-asr --timeout-ms 5000 --seed 4 --json --quiet --no-progress'.split(
        ' ',
      ),
    );
    expect(cmd).toEqual({
      kind: 'run',
      options: {
        url: 'ws://gw:9',
        wav: 'a.wav',
        generate: 3,
        srcLang: 'auto',
        tgtLang: 'ja',
        mode: 'two_way_auto',
        langA: 'en',
        langB: 'ja',
        sessions: 200,
        rampMs: 1000,
        format: 'opus-plan-a',
        speed: 0,
        utteranceMs: 800,
        gapMs: 250,
        streamingAsr: true,
        timeoutMs: 5000,
        seed: 4,
        json: true,
        quiet: true,
        progress: false,
      },
    });
  });

  it.each([
    [['--wav', 'a.wav', '--generate', '2'], /either --wav or --generate/],
    [['--mode', 'both'], /--mode/],
    [['--format', 'mp3'], /--format/],
    [['--sessions', '0'], /--sessions/],
    [['--speed', '-1'], /--speed/],
    [['--src', 'e n'], /--src/],
    [['--url', 'localhost'], /--url/],
    [['extra'], /positional/i],
  ])('rejects %j', (argv, message) => {
    expect(() => parseClientArgs(argv)).toThrow(message);
  });
});
