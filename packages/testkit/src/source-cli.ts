/**
 * Runs a package's CLI from its TypeScript source, as `npx <bin>` would run the build: node with tsx and the
 * `@lingua/source` condition, stdout and stderr collected for the test to read.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface SourceCliRun {
  readonly child: ChildProcess;
  /** The exit code (null after a signal), once the process exited and its output streams are drained. */
  readonly exited: Promise<number | null>;
  /** Everything written so far. */
  readonly stdout: string;
  readonly stderr: string;
}

export function runSourceCli(entry: string, args: string[]): SourceCliRun {
  const child = spawn(process.execPath, ['--conditions=@lingua/source', '--import', 'tsx', entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // 'close', not 'exit': a test reads the output right after, and 'exit' can come before the pipes are drained.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}
