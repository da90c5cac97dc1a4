import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import {
  gatewayEntry,
  redisEnv,
  redisTargets,
  startGateway,
  uniquePrefix,
  TestClient,
  TestNode,
} from '@lingua/testkit';

const target = redisTargets()[0];

it('the bin serves nodes, logs pino JSON with instanceId, and drains on SIGTERM', async () => {
  if (!target) throw new Error('no Redis target');
  const gw = await startGateway({
    name: 'gw-main-test',
    env: { ...redisEnv(target), LINGUA_KEY_PREFIX: uniquePrefix('main'), LINGUA_HOST: '127.0.0.1' },
  });
  const node = await TestNode.connect(gw.wsUrl('/ws/node'));
  await node.register();
  node.heartbeat();
  expect((await node.next('node_status')).status).toBe('ready');
  const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  expect(metrics).toMatch(/lingua_node_registrations_total\{outcome="ok"\} 1/);
  expect(metrics).toContain('process_cpu_user_seconds_total');

  await gw.stop();
  expect((await node.next('node_status')).status).toBe('draining');
  expect((await node.closed).code).toBe(1001);
  expect((await gw.exited).code).toBe(0);
  const ready = gw.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.msg === 'gateway ready');
  expect(ready).toMatchObject({ instanceId: 'gw-main-test', level: 30 });
});

it('refuses to start without a key; LINGUA_AUTH=off must be said by name and is then loud', async () => {
  if (!target) throw new Error('no Redis target');
  const base = { ...redisEnv(target), LINGUA_KEY_PREFIX: uniquePrefix('main'), LINGUA_HOST: '127.0.0.1' };
  // The kit puts its secret into every gateway's env; an empty value is "unset".
  const refused = await startGateway({
    name: 'gw-no-key',
    env: { ...base, LINGUA_AUTH_JWT_SECRET: '' },
    waitReady: false,
  });
  expect((await refused.exited).code).toBe(2);
  expect(refused.logs.join('\n')).toContain('LINGUA_AUTH_JWT_SECRET');

  const open = await startGateway({
    name: 'gw-auth-off',
    env: { ...base, LINGUA_AUTH: 'off', LINGUA_ADMIN_AUTH: 'off', LINGUA_AUTH_JWT_SECRET: '' },
  });
  try {
    const lines = open.logs.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.some((l) => l.level === 40 && l.msg.startsWith('LINGUA_AUTH=off'))).toBe(true);
    const cluster = (await (await fetch(`${open.adminUrl}/api/v1/cluster`)).json()) as { auth: unknown };
    expect(cluster.auth).toEqual({ sockets: 'off', admin: 'off' });
    // A socket without any token is admitted.
    const node = await TestNode.connect(open.wsUrl('/ws/node').replace(/\?.*$/, ''));
    expect((await node.register()).type).toBe('node_register_ack');
    await node.close();
  } finally {
    await open.stop();
  }
});

it('exits with code 2 and names the variable on a bad configuration', async () => {
  const child = spawn(process.execPath, ['--conditions=@lingua/source', '--import', 'tsx', gatewayEntry()], {
    env: { PATH: process.env.PATH ?? '', LINGUA_POOL_SHARD_SIZE: 'lots' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  expect(code).toBe(2);
  expect(stderr).toContain('LINGUA_POOL_SHARD_SIZE');
});

it('--help prints the usage and exits 0 without touching Redis', async () => {
  const child = spawn(
    process.execPath,
    ['--conditions=@lingua/source', '--import', 'tsx', gatewayEntry(), '--help'],
    {
      env: { PATH: process.env.PATH ?? '', LINGUA_REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const [code] = (await once(child, 'close')) as [number];
  expect(code).toBe(0);
  expect(stdout).toContain('Usage: lingua-gateway');
  expect(stdout).toContain('LINGUA_REDIS_CLUSTER_NODES');
});

it('SIGTERM with a client still connected closes its session socket as going away (1001) and exits 0', async () => {
  if (!target) throw new Error('no Redis target');
  const gw = await startGateway({
    name: 'gw-main-stop',
    env: {
      ...redisEnv(target),
      LINGUA_KEY_PREFIX: uniquePrefix('main-stop'),
      LINGUA_HOST: '127.0.0.1',
      LINGUA_DRAIN_TIMEOUT_MS: '2000',
    },
  });
  const client = await TestClient.connect(gw.wsUrl('/ws/session'));
  await client.init();
  await gw.stop();
  expect((await client.closed).code).toBe(1001);
  expect((await gw.exited).code).toBe(0);
});
