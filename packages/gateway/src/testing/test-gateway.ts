/**
 * Test support (not built into dist): a real gateway in this process on a random port, against one of the
 * test kit's Redis targets, isolated by a fresh key prefix.
 */
import {
  kitAdminHeaders,
  kitAuthEnv,
  redisEnv,
  uniquePrefix,
  withKitToken,
  type RedisTarget,
} from '@lingua/testkit';
import { createGateway, type Gateway, type GatewayOptions } from '../app.js';
import { loadConfig } from '../config.js';

export interface TestGateway extends Gateway {
  /** A WebSocket URL carrying a kit token for the endpoint. */
  wsUrl(path: string): string;
  /** On the public port (`/healthz`, `/readyz`). */
  httpUrl(path: string): string;
  /** On the admin port (`/metrics`, `/api/v1/*`). */
  adminUrl(path: string): string;
  /** GET on the admin port, with an admin token. */
  getJson<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  /** The sum of every `/metrics` sample whose line starts with `prefix` (e.g. all label sets of one counter). */
  metricSum(prefix: string): Promise<number>;
}

export async function startTestGateway(
  target: RedisTarget,
  env: Record<string, string> = {},
  opts: GatewayOptions = {},
): Promise<TestGateway> {
  const config = loadConfig({
    ...redisEnv(target),
    LINGUA_PORT: '0',
    LINGUA_ADMIN_PORT: '0',
    LINGUA_HOST: '127.0.0.1',
    LINGUA_KEY_PREFIX: uniquePrefix('gw'),
    ...kitAuthEnv(),
    LINGUA_LOG_LEVEL: process.env.LINGUA_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const gw = await createGateway(config, opts);
  try {
    await gw.start();
  } catch (err) {
    // A failed start leaves connections retrying in the background; close them like the bin does.
    await gw.stop().catch(() => undefined);
    throw err;
  }
  const base = (): string => `127.0.0.1:${gw.port()}`;
  const admin = (): string => `127.0.0.1:${gw.adminPort()}`;
  return Object.assign(gw, {
    wsUrl: (path: string) => withKitToken(`ws://${base()}${path}`),
    httpUrl: (path: string) => `http://${base()}${path}`,
    adminUrl: (path: string) => `http://${admin()}${path}`,
    async getJson<T>(path: string) {
      const res = await fetch(`http://${admin()}${path}`, { headers: kitAdminHeaders() });
      return { status: res.status, body: (await res.json()) as T };
    },
    async metricSum(prefix: string) {
      const text = await (await fetch(`http://${admin()}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith(prefix))
        .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    },
  });
}
