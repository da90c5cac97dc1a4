/**
 * System test of `npm run demo`: the entry point runs as a child process exactly as the npm script starts it
 * (embedded redis-server, gateway processes, simulated nodes); we check what it prints, its exit status, and
 * that a signal leaves none of its processes behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kitAdminHeaders, poll, runSourceCli } from '@lingua/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LAYOUT } from './args.js';
import { DEMO_CONVERSATIONS, type ConversationSpec } from './conversation.js';
import { commandLine, descendants, processAlive } from './process-tree.js';
import { clientSummary, everyUtteranceTranslated } from '../sdk-system/client-summary.js';
import { clientBuilt } from './client-hint.js';
import { NODE_SLOTS } from './stack.js';

const benchDir = fileURLToPath(new URL('../..', import.meta.url));
const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url));
const CLIENT = fileURLToPath(new URL('../../../client/src/cli.ts', import.meta.url));

interface DemoRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the output once `pattern` appears on stdout; rejects if the demo exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** The environment of a developer who has not configured anything: no external Redis, no LINGUA_*. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'REDIS_URL' || k === 'REDIS_CLUSTER_NODES') continue;
    if (k.startsWith('LINGUA_') || k.startsWith('VITEST')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Demos still running when a test ends (a failed assertion skips its own signal): SIGINT stops each whole. */
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGINT');
});

/** `ownGroup`: the demo leads a process group of its own, as a shell's foreground job does (Ctrl-C reaches all of it). */
function startDemo(args: string[], env = cleanEnv(), ownGroup = false): DemoRun {
  const child = spawn(
    process.execPath,
    ['--conditions=@lingua/source', '--import', 'tsx', mainPath, ...args],
    {
      cwd: benchDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: ownGroup,
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
  // 'close', not 'exit': the output is read right after, and 'exit' can come before the pipes are drained.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  running.add(child);
  void exited.then(() => {
    done = true;
    running.delete(child);
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      poll(
        () => {
          if (pattern.test(out)) return out;
          if (done) throw new Error(`demo exited before ${pattern}; stdout:\n${out}\nstderr:\n${err}`);
          return undefined;
        },
        { timeoutMs, intervalMs: 50, what: `demo output ${pattern}` },
      ),
  };
}

/** Every process the demo started must be gone (allowing a moment for the kernel to reap them). */
async function expectAllGone(pids: number[]): Promise<void> {
  await poll(() => pids.every((p) => !processAlive(p)), {
    timeoutMs: 10_000,
    what: 'demo processes gone',
  }).catch(() => undefined);
  const left = pids.filter(processAlive).map((p) => `${p} ${commandLine(p)}`);
  expect(left).toEqual([]);
}

function expectStack(pids: number[]): void {
  const commands = pids.map(commandLine);
  expect(commands.filter((c) => c.includes('redis-server'))).toHaveLength(1);
  expect(commands.filter((c) => c.includes('packages/gateway/src/main.ts'))).toHaveLength(2);
}

const sessionGateway = DEFAULT_LAYOUT === 'cross' ? 'gateway-2' : 'gateway-1';

describe('npm run demo', () => {
  it('--help prints the usage; a bad flag exits 2 with a one-line reason', async () => {
    const help = startDemo(['--help']);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout()).toMatch(/^Usage: npm run demo/);
    expect(help.stdout()).toContain('--keep');

    const bad = startDemo(['--layout', 'sideways']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr().split('\n')[0]).toMatch(/--layout must be cross or local/);
  });

  it('streams both conversations, prints transcript, routes and latencies, and exits 0', async () => {
    const demo = startDemo([]);
    const { code } = await demo.exited;
    const out = demo.stdout();
    expect({ code, stderr: demo.stderr() }).toEqual({ code: 0, stderr: '' });

    expect(out).toMatch(/redis {6}redis:\/\/127\.0\.0\.1:\d+ \(private redis-server, no persistence\)/);
    expect(out).toMatch(
      new RegExp(
        `nodes {6}3 simulated nodes \\(en/zh/ja, ${NODE_SLOTS} slots each\\) on gateway-1, ready in \\d+ ms`,
      ),
    );
    expect(out).toContain(`Session A  en → zh (one_way) on ${sessionGateway}`);
    expect(out).toContain(`Session B  en ⇄ ja (two_way_auto) on ${sessionGateway}`);
    // The simulator's text is derived from the audio that reached it: utterance index and 20 ms frame count, so
    // an exact count proves each utterance's audio arrived whole and alone.
    const [a, b] = DEMO_CONVERSATIONS as [ConversationSpec, ConversationSpec];
    for (const [i, ms] of a.utteranceMs.entries()) {
      const text = `utt#${i} ${ms / 20}p`;
      expect(out).toMatch(
        new RegExp(`A#${i} +en→zh +[\\d.]+ s of speech +"${text}" → "\\[zh\\] ${text}" +\\+\\d+ ms`),
      );
    }
    for (const [i, ms] of b.utteranceMs.entries()) {
      const text = `utt#${i} ${ms / 20}p`;
      expect(out).toMatch(
        new RegExp(`B#${i} +auto→ja +[\\d.]+ s of speech +"${text}" → "\\[ja\\] ${text}" +\\+\\d+ ms`),
      );
    }
    const routes = out.match(/route {2}(\S+) → node (node-\S+) @ (\S+) · attempt (\d+)/g) ?? [];
    expect(routes).toHaveLength(6);
    for (const r of routes)
      expect(r).toMatch(new RegExp(`route  ${sessionGateway} → node node-\\S+ @ gateway-1 · attempt 1`));
    expect(out).toContain('utterances  6 sent, 6 translated');
    const crossed = sessionGateway === 'gateway-2' ? 6 : 0;
    expect(out).toMatch(
      new RegExp(
        `routes {6}${crossed} of 6 jobs crossed gateway instances · nodes used: [123] of 3 · retried: 0`,
      ),
    );
    expect(out).toMatch(/latency {5}end of utterance → result: p50 \d+ ms · p99 \d+ ms · max \d+ ms \(n=6\)/);
    expect(out).toMatch(/Demo OK in [\d.]+ s\./);
  });

  it('--keep serves the printed URLs until Ctrl-C, which leaves no process behind', async () => {
    const demo = startDemo(['--keep'], cleanEnv(), true);
    const out = await demo.waitFor(/Ctrl-C stops it all[\s\S]*try {8}/);
    const apis = [...out.matchAll(/gateway-\d {2}API (http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/nodes/g)].map(
      (m) => m[1],
    );
    expect(apis).toHaveLength(2);
    // The demo's gateways verify with the demo's own secret: the admin token it prints is the one that works.
    const adminToken = /admin {6}Authorization: Bearer (\S+)/.exec(out)?.[1];
    expect(adminToken).toBeDefined();
    const headers = { authorization: `Bearer ${adminToken}` };
    for (const base of apis) {
      expect((await fetch(`${base}/api/v1/nodes`, { headers: kitAdminHeaders() })).status).toBe(401);
      const nodes = (await (await fetch(`${base}/api/v1/nodes`, { headers })).json()) as { count: number };
      expect(nodes.count).toBe(3);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
    }
    const pids = descendants(demo.child.pid as number);
    expectStack(pids);

    // A terminal's Ctrl-C: SIGINT to the whole foreground group, so the demo's children get it too, not only the demo.
    process.kill(-(demo.child.pid as number), 'SIGINT');
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    await expectAllGone(pids);
    // Its children stopping under the same signal is no error: the demo says why it stops, and nothing else.
    expect(demo.stderr().trim()).toBe('SIGINT: stopping the demo…');
  });

  it('lingua-client --sessions 200 against the --keep stack gets a translation for every utterance', async () => {
    const demo = startDemo(['--keep']);
    const out = await demo.waitFor(/Ctrl-C stops it all[\s\S]*try {8}.*npx lingua-client --url \S+/);
    const [, build, url] = /try {8}(npm run build && )?npx lingua-client --url (\S+)/.exec(out) ?? [];
    // Unbuilt (a fresh clone, as in CI) the suggestion builds first: `npx lingua-client` alone would refuse.
    expect(build === undefined).toBe(clientBuilt());
    // The client's defaults: every session starts at once and streams 3 utterances of 2 s in real time.
    // Authentication is on: the URL carries the session token the demo minted.
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/session\?access_token=[\w.-]+$/);
    const client = runSourceCli(CLIENT, [
      '--url',
      url as string,
      '--sessions',
      '200',
      '--json',
      '--no-progress',
    ]);
    const code = await client.exited;
    expect(clientSummary(client)).toMatchObject(everyUtteranceTranslated(200, 3));
    expect({ code, stderr: client.stderr }).toEqual({ code: 0, stderr: '' });

    const pids = descendants(demo.child.pid as number);
    demo.child.kill('SIGINT');
    expect((await demo.exited).code).toBe(0);
    await expectAllGone(pids);
  });

  it('SIGTERM in the middle of a conversation stops it with 143 and leaves no process behind', async () => {
    const demo = startDemo([]);
    await demo.waitFor(/A#0 .*\n {7}route /);
    const pids = descendants(demo.child.pid as number);
    expectStack(pids);

    demo.child.kill('SIGTERM');
    expect((await demo.exited).code).toBe(143);
    expect(demo.stderr()).not.toContain('demo failed');
    await expectAllGone(pids);
  });

  it('without redis-server on PATH it prints a one-line install hint and exits 1', async () => {
    const demo = startDemo([], cleanEnv({ PATH: '/nonexistent' }));
    expect((await demo.exited).code).toBe(1);
    const lines = demo.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('sudo apt-get install -y redis-server');
  });
});
