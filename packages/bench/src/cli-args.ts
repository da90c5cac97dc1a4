/**
 * `<scenario> [--flag value | --flag=value ...]` → scenario name and flags (values are strings); `--help` or `-h`
 * anywhere asks for the usage instead.
 */
import { BenchError } from './lib/errors.js';

export function parseArgs(argv: readonly string[]): {
  scenario: string | undefined;
  flags: Record<string, string>;
  help: boolean;
} {
  const flags: Record<string, string> = {};
  let scenario: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        flags[arg.slice(2, eq)] = arg.slice(eq + 1);
      } else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) {
          throw new BenchError('BAD_ARGUMENT', `${arg} needs a value`);
        }
        flags[arg.slice(2)] = value;
        i++;
      }
    } else if (scenario === undefined) {
      scenario = arg;
    } else {
      throw new BenchError('BAD_ARGUMENT', `unexpected argument "${arg}"`);
    }
  }
  return { scenario, flags, help };
}
