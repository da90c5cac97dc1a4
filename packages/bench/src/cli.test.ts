import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli-args.js';

describe('bench cli arguments', () => {
  it('takes the scenario and --flag value / --flag=value pairs', () => {
    expect(parseArgs(['nodes', '--json', 'out.json', '--nodes=10000'])).toEqual({
      scenario: 'nodes',
      flags: { json: 'out.json', nodes: '10000' },
      help: false,
    });
  });

  it('asks for the usage on --help or -h, wherever it stands', () => {
    expect(parseArgs(['--help']).help).toBe(true);
    expect(parseArgs(['nodes', '-h', '--nodes', '5'])).toEqual({
      scenario: 'nodes',
      flags: { nodes: '5' },
      help: true,
    });
  });

  it('refuses a flag without a value and a second positional argument', () => {
    expect(() => parseArgs(['nodes', '--json'])).toThrow(/--json needs a value/);
    expect(() => parseArgs(['nodes', 'extra'])).toThrow(/unexpected argument/);
  });
});
