import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  discoverNodes,
  gatewayEntry,
  nodeAdmin,
  redisEnv,
  startGateway,
  startSecuredTarget,
  TestNode,
  uniquePrefix,
  type SecuredTarget,
  type Topology,
} from '@lingua/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './testing/test-gateway.js';

const SECRET = 's3cret-gw-pw';
const WRONG = 'wr0ng-gw-secret';
const topologies: Topology[] = ['standalone', 'cluster'];

const dir = mkdtempSync(join(tmpdir(), 'lingua-redis-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A node registers and turns ready: the gateway's whole Redis path (scripts, inbox, index events) works. */
async function registerNode(gw: TestGateway): Promise<void> {
  const node = await TestNode.connect(gw.wsUrl('/ws/node'));
  try {
    await node.register();
    node.heartbeat();
    expect((await node.next('node_status', (f) => f.status === 'ready')).status).toBe('ready');
  } finally {
    node.ws.close();
  }
}

/** CLIENT LIST of every node, as `name → users` of the connections whose name mentions `part`. */
async function connectionsNamed(secured: SecuredTarget, part: string): Promise<Map<string, Set<string>>> {
  const byName = new Map<string, Set<string>>();
  for (const address of await discoverNodes(secured.target)) {
    const admin = nodeAdmin(address, secured.target);
    try {
      const list = (await admin.call('CLIENT', 'LIST')) as string;
      for (const line of list.split('\n')) {
        const name = /\bname=(\S*)/.exec(line)?.[1] ?? '';
        const user = /\buser=(\S*)/.exec(line)?.[1] ?? '';
        if (!name.includes(part)) continue;
        byName.set(name, (byName.get(name) ?? new Set()).add(user));
      }
    } finally {
      admin.disconnect();
    }
  }
  return byName;
}

describe.each(topologies)('gateway against a secured Redis (%s)', (topology) => {
  let plain: SecuredTarget;
  let tls: SecuredTarget;
  const started: TestGateway[] = [];
  beforeAll(async () => {
    [plain, tls] = await Promise.all([
      startSecuredTarget(topology, { password: SECRET }),
      startSecuredTarget(topology, { password: SECRET, tls: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(started.map((g) => g.stop()));
    await Promise.all([plain?.stop(), tls?.stop()]);
  });

  it.each([
    ['username and password', () => plain],
    ['username and password over TLS with the CA file', () => tls],
  ])('connects with %s, every connection as the ACL user; a node registers', async (_what, secured) => {
    const target = secured().target;
    const gw = await startTestGateway(target, { LINGUA_INSTANCE_ID: uniquePrefix('gw-sec') });
    started.push(gw);
    expect(gw.phase()).toBe('ready');
    await registerNode(gw);
    const id = gw.parts.instanceId;
    const connections = await connectionsNamed(secured(), id);
    // The main client, its subscriber duplicates (inbox, index events) and BullMQ's worker connection; a
    // Cluster's sharded subscriber is named `ioredis-cluster(ssubscriber):<name>`.
    const names = [...connections.keys()];
    for (const suffix of [`lingua-gw-${id}`, `${id}-inbox`, `${id}-index-events`, `${id}-bullmq`]) {
      expect(
        names.some((n) => n.endsWith(suffix)),
        `${suffix} in ${names.join(' ')}`,
      ).toBe(true);
    }
    for (const [name, users] of connections) expect([name, [...users]]).toEqual([name, ['lingua']]);
    await gw.stop();
  });

  it('reads the password from LINGUA_REDIS_PASSWORD_FILE (trailing newline trimmed)', async () => {
    const file = join(dir, `pw-${topology}`);
    writeFileSync(file, `${SECRET}\n`);
    const gw = await startTestGateway(tls.target, {
      LINGUA_REDIS_PASSWORD: '',
      LINGUA_REDIS_PASSWORD_FILE: file,
    });
    started.push(gw);
    await registerNode(gw);
    await gw.stop();
  });

  it('a wrong password fails the start at once with AUTH, and the error does not show it', async () => {
    const startedAt = Date.now();
    const err = await startTestGateway(tls.target, { LINGUA_REDIS_PASSWORD: WRONG }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'AUTH' });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect((err as Error).message).toMatch(/refused the credentials: WRONGPASS/);
    expect(`${(err as Error).stack} ${JSON.stringify(err)}`).not.toContain(WRONG);
  });

  it('the bin exits 1 on a wrong password and no log line shows it', async () => {
    const gw = await startGateway({
      name: `gw-wrongpass-${topology}`,
      env: { ...redisEnv(tls.target), LINGUA_REDIS_PASSWORD: WRONG, LINGUA_HOST: '127.0.0.1' },
      waitReady: false,
    });
    expect((await gw.exited).code).toBe(1);
    const fatal = gw.logs.find((l) => l.includes('gateway failed to start'));
    expect(fatal).toContain('WRONGPASS');
    expect(fatal).toContain('"code":"AUTH"');
    for (const line of gw.logs) expect(line).not.toContain(WRONG);
  });
});

it('the bin reports a malformed LINGUA_REDIS_URL with its password masked', async () => {
  const child = spawn(process.execPath, ['--conditions=@lingua/source', '--import', 'tsx', gatewayEntry()], {
    env: { PATH: process.env.PATH ?? '', LINGUA_REDIS_URL: 'redis://u:s3cret@[bad' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, 'close')) as [number];
  expect(code).toBe(2);
  expect(output).toContain('LINGUA_REDIS_URL');
  expect(output).toContain('redis://u:***@[bad');
  expect(output).not.toContain('s3cret');
});
