import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSourceCli } from './source-cli.js';

describe('runSourceCli', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs a TypeScript entry with its arguments and reports its output and exit code', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lingua-source-cli-'));
    const entry = join(dir, 'cli.ts');
    await writeFile(
      entry,
      [
        'const args: string[] = process.argv.slice(2);',
        "process.stdout.write(`args=${args.join(',')}\\n`);",
        "process.stderr.write('oops\\n');",
        'process.exitCode = 3;',
      ].join('\n'),
    );
    const run = runSourceCli(entry, ['a', 'b c']);
    expect(await run.exited).toBe(3);
    expect(run.stdout).toBe('args=a,b c\n');
    expect(run.stderr).toBe('oops\n');
  });
});
