import { describe, expect, it } from 'vitest';
import { flagReaders } from './cli-flags.js';

class FlagError extends Error {}
const flags = flagReaders((message) => new FlagError(message));

describe('flagReaders', () => {
  it('reads good values', () => {
    expect(flags.integer('--n', ' 12 ', 1)).toBe(12);
    expect(flags.number('--speed', '0.5', 0)).toBe(0.5);
    expect(flags.probability('--p', '1')).toBe(1);
    expect(flags.choice('--mode', 'b', ['a', 'b'])).toBe('b');
    expect(flags.lang('--src', 'zh-Hans')).toBe('zh-Hans');
    expect(flags.langList('--asr', ' en, ,ja ')).toEqual(['en', 'ja']);
    expect(flags.gatewayUrl('--url', 'wss://gw:1')).toBe('wss://gw:1');
    expect(flags.token('--token-file', ' eyJh.eyJz.sig\n')).toBe('eyJh.eyJz.sig');
  });

  it.each([
    [() => flags.integer('--n', '0', 1), '--n must be an integer >= 1, got "0"'],
    [() => flags.integer('--n', '1.5', 0), '--n must be an integer >= 0, got "1.5"'],
    [() => flags.number('--speed', '', 0), '--speed must be a number >= 0, got ""'],
    [() => flags.number('--speed', '-1', 0), '--speed must be a number >= 0, got "-1"'],
    [() => flags.probability('--p', '1.1'), '--p must be a number between 0 and 1, got "1.1"'],
    [() => flags.choice('--mode', 'c', ['a', 'b']), '--mode must be a or b, got "c"'],
    [() => flags.choice('--f', 'd', ['a', 'b', 'c']), '--f must be a, b or c, got "d"'],
    [() => flags.lang('--src', 'e n'), '--src: "e n" is not a language code'],
    [() => flags.lang('--src', 'a'.repeat(17)), `--src: "${'a'.repeat(17)}" is not a language code`],
    [() => flags.langList('--asr', ','), '--asr needs at least one language code'],
    [() => flags.langList('--asr', 'en,1x'), '--asr: "1x" is not a language code'],
    [() => flags.gatewayUrl('--url', 'localhost'), '--url "localhost" is not a URL'],
    [() => flags.token('--token', ' \n'), '--token is empty'],
    [
      () => flags.token('--token', 'secret part'),
      '--token must be one token without spaces or control characters',
    ],
    [() => flags.gatewayUrl('--url', 'ftp://gw'), '--url must be a ws:// or wss:// address, got "ftp://gw"'],
  ])('rejects through the caller’s error (%#)', (read, message) => {
    expect(read).toThrow(FlagError);
    expect(read).toThrow(message);
  });
});
