import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHandle } from './gateway-process.js';
import { kitAuthEnv } from './kit-auth.js';
import { pidAlive } from './kit-processes.js';

const fake = fileURLToPath(new URL('../fixtures/fake-gateway.mjs', import.meta.url));
const crashing = fileURLToPath(new URL('../fixtures/crashing-gateway.mjs', import.meta.url));

describe('startGateway', () => {
  let gateway: GatewayHandle | undefined;
  afterEach(async () => {
    await gateway?.kill9();
    gateway = undefined;
  });

  it('resolves only once /readyz answers 200 and passes exactly the given LINGUA_* env', async () => {
    process.env.LINGUA_FROM_PARENT_SHELL = 'leak';
    try {
      gateway = await startGateway({ env: { LINGUA_REGION: 'eu-test' }, name: 'gw-a', entry: fake });
    } finally {
      delete process.env.LINGUA_FROM_PARENT_SHELL;
    }
    expect(gateway.logs.some((line) => line.includes('"ready"'))).toBe(true);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    const env = (await (await fetch(`${gateway.url}/env`)).json()) as Record<string, string>;
    expect(env).toEqual({
      LINGUA_REGION: 'eu-test',
      LINGUA_INSTANCE_ID: 'gw-a',
      LINGUA_PORT: String(gateway.port),
      LINGUA_ADMIN_PORT: String(gateway.adminPort),
      // The kit's verification secret: kit gateways run with authentication on, as in production.
      ...kitAuthEnv(),
    });
    expect(gateway.adminPort).not.toBe(gateway.port);
    expect(gateway.adminUrl).toBe(`http://127.0.0.1:${gateway.adminPort}`);
    const ws = new URL(gateway.wsUrl('/ws/node'));
    expect(`${ws.origin}${ws.pathname}`).toBe(`ws://127.0.0.1:${gateway.port}/ws/node`);
    // Every URL the kit hands out carries a node token for its endpoint.
    const token = ws.searchParams.get('access_token') ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      role: string;
    };
    expect(claims.role).toBe('node');
  });

  it('stop() sends SIGTERM and waits for a clean exit', async () => {
    gateway = await startGateway({ env: {}, entry: fake });
    await gateway.stop();
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    expect(gateway.logs.some((line) => line.includes('draining'))).toBe(true);
    expect(pidAlive(gateway.pid)).toBe(false);
  });

  it('kill9() ends the process without a drain', async () => {
    gateway = await startGateway({ env: {}, entry: fake });
    await gateway.kill9();
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(gateway.logs.some((line) => line.includes('draining'))).toBe(false);
  });

  it('rejects with the log tail when the process dies before it is ready', async () => {
    await expect(startGateway({ env: {}, name: 'gw-bad', entry: crashing })).rejects.toMatchObject({
      code: 'PROCESS_START_FAILED',
      message: expect.stringContaining('config invalid'),
    });
  });
});
