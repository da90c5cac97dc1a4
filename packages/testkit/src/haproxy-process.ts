import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { TestkitError } from './errors.js';
import { freePort } from './free-port.js';
import { collectLines } from './line-log.js';
import { poll } from './poll.js';
import { repoRoot } from './repo-root.js';
import { killHard, onPath, runDir, spawnTracked, terminate, waitForExit } from './tracked-process.js';
import { withKitToken } from './kit-auth.js';

export interface HaproxyOptions {
  backends: { host: string; port: number }[];
  /** Frontend port; a free one when omitted. */
  port?: number;
  /** Template to render; deploy/haproxy.cfg by default. */
  templatePath?: string;
  readyTimeoutMs?: number;
}

export interface HaproxyHandle {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  readonly configPath: string;
  readonly logs: string[];
  wsUrl(path: string): string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const BEGIN = '# BEGIN backend-servers';
const END = '# END backend-servers';

export function haproxyTemplatePath(): string {
  return join(repoRoot, 'deploy/haproxy.cfg');
}

/**
 * Renders the deploy template for loopback: the frontend binds 127.0.0.1:<port> and the
 * backend lists exactly `backends`. Everything else (timeouts, health check) stays as deployed.
 */
export function renderHaproxyConfig(
  template: string,
  port: number,
  backends: { host: string; port: number }[],
): string {
  const begin = template.indexOf(BEGIN);
  const end = template.indexOf(END);
  if (begin < 0 || end < begin) {
    throw new TestkitError('HAPROXY_TEMPLATE_INVALID', `template lacks "${BEGIN}" … "${END}" markers`);
  }
  const lineStart = template.lastIndexOf('\n', begin) + 1;
  const indent = template.slice(lineStart, begin);
  const servers = backends.map((b, i) => `${indent}server gw${i + 1} ${b.host}:${b.port} check`).join('\n');
  const rendered = `${template.slice(0, begin)}${BEGIN}\n${servers}\n${indent}${template.slice(end)}`;
  return rebindFrontend(rendered, `${HOST}:${port}`);
}

/** Replaces the first `bind` line inside `frontend lingua` (a section ends at the next unindented line). */
function rebindFrontend(config: string, address: string): string {
  const lines = config.split('\n');
  const start = lines.findIndex((line) => /^frontend\s+lingua\b/.test(line));
  for (let i = start + 1; start >= 0 && i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\S/.test(line)) break;
    const bind = /^(\s+)bind\s/.exec(line);
    if (bind) {
      lines[i] = `${bind[1]}bind ${address}`;
      return lines.join('\n');
    }
  }
  throw new TestkitError('HAPROXY_TEMPLATE_INVALID', 'template lacks a `bind` line in `frontend lingua`');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `haproxy -f <rendered config> -db` in front of `backends`; resolves once it listens. */
export async function startHaproxy(opts: HaproxyOptions): Promise<HaproxyHandle> {
  if (!onPath('haproxy')) {
    throw new TestkitError('PROCESS_START_FAILED', 'haproxy not found: apt-get install -y haproxy');
  }
  const port = opts.port ?? (await freePort());
  const dir = join(runDir(), `haproxy-${port}`);
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'haproxy.cfg');
  const template = readFileSync(opts.templatePath ?? haproxyTemplatePath(), 'utf8');
  writeFileSync(configPath, renderHaproxyConfig(template, port, opts.backends));

  const child = spawnTracked('haproxy', ['-f', configPath, '-db'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  collectLines(child.stdout, logs);
  collectLines(child.stderr, logs);
  const died = new AbortController();
  void waitForExit(child).then(() =>
    died.abort(new TestkitError('PROCESS_START_FAILED', `haproxy exited:\n${logs.slice(-10).join('\n')}`)),
  );
  try {
    await poll(() => accepts(port), {
      timeoutMs: opts.readyTimeoutMs ?? 10_000,
      intervalMs: 50,
      what: `haproxy on ${HOST}:${port}`,
      signal: died.signal,
    });
  } catch (err) {
    await killHard(child);
    throw err;
  }
  return {
    port,
    url: `http://${HOST}:${port}`,
    pid: child.pid ?? -1,
    configPath,
    logs,
    wsUrl: (path) => withKitToken(`ws://${HOST}:${port}${path.startsWith('/') ? path : `/${path}`}`),
    stop: () => terminate(child),
  };
}
