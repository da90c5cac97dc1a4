import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../auth/auth-config.js';
import { mintToken } from '../auth/mint-token.js';
import { anonymousPrincipal } from '../auth/principal.js';
import type { Principal } from '../auth/principal.js';
import { createAuthVerifier, type AuthResult } from '../auth/verifier.js';
import { createMetrics, type Endpoint } from '../metrics.js';
import { createTestKeys } from '../testing/auth-keys.js';
import { UpgradeRouter, type Admission, type UpgradeRouterOptions } from './upgrade-router.js';

const keys = createTestKeys();
afterAll(() => keys.remove());
const verifier = createAuthVerifier(loadAuthConfig({ LINGUA_AUTH_JWT_SECRET: keys.secret }));

interface Harness {
  server: Server;
  url: string;
  metrics: ReturnType<typeof createMetrics>;
  /** Requests that reached an endpoint handler, with the principal they carried. */
  handled: { endpoint: Endpoint; req: IncomingMessage; principal: Principal | undefined }[];
  setAdmission(a: Admission): void;
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** An UpgradeRouter on a real HTTP server on 127.0.0.1; handlers answer with what they learnt from the principal. */
async function startRouter(opts: Partial<UpgradeRouterOptions> = {}): Promise<Harness> {
  let admission: Admission = 'open';
  const metrics = createMetrics();
  const router = new UpgradeRouter({
    maxFrameBytes: 65_536,
    wsPingIntervalMs: 10_000,
    metrics,
    logger: pino({ level: 'silent' }),
    admission: () => admission,
    authorize: (req, kind) => verifier.verify(req, kind),
    ...opts,
  });
  const handled: Harness['handled'] = [];
  for (const endpoint of ['node', 'session'] as const) {
    router.route(`/ws/${endpoint}`, endpoint, (ws, req, p) => {
      handled.push({ endpoint, req, principal: p });
      ws.send(JSON.stringify({ role: p?.role, subject: p?.subject, mayUseN1: p?.mayUseNodeId('n-1') }));
    });
  }
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => router.handleUpgrade(req, socket, head));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `ws://127.0.0.1:${port}`, metrics, handled, setAdmission: (a) => (admission = a) };
}

/** Opens a ws client; resolves with the first message, or with the HTTP refusal (status, headers, body). */
function attempt(
  url: string,
  headers: Record<string, string> = {},
): Promise<
  | { opened: true; message: Record<string, unknown> }
  | { opened: false; status: number | undefined; headers: IncomingMessage['headers']; body: string }
> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('message', (data) => {
      resolve({ opened: true, message: JSON.parse(String(data)) as Record<string, unknown> });
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ opened: false, status: res.statusCode, headers: res.headers, body }));
    });
    ws.once('error', reject);
  });
}

async function rejectedCount(h: Harness, reason: string): Promise<number> {
  const metric = await h.metrics.ws.rejectedUpgrades.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

async function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const admitted = (role: Endpoint): AuthResult => ({ ok: true, principal: anonymousPrincipal(role) });

/** A deferred authorize: each call is parked until the test resolves it. */
function parkedAuthorize() {
  const calls: { resolve: (r: AuthResult) => void; req: IncomingMessage }[] = [];
  const authorize = (req: IncomingMessage): Promise<AuthResult> =>
    new Promise((resolve) => calls.push({ resolve, req }));
  return { calls, authorize };
}

describe('UpgradeRouter with authorize', () => {
  it('answers an upgrade without a token with a plain 401 and a Bearer challenge, never a WebSocket', async () => {
    const h = await startRouter();
    const result = await attempt(`${h.url}/ws/node`);
    expect(result).toMatchObject({ opened: false, status: 401, body: 'missing_token\n' });
    if (result.opened) return;
    expect(result.headers['www-authenticate']).toBe('Bearer realm="lingua-gateway"');
    expect(result.headers.connection).toBe('close');
    expect(h.handled).toHaveLength(0);
    expect(await rejectedCount(h, 'unauthorized')).toBe(1);

    const bad = await attempt(`${h.url}/ws/node`, { authorization: 'Bearer not.a.jwt' });
    expect(bad).toMatchObject({ opened: false, status: 401, body: 'malformed_token\n' });
    if (!bad.opened)
      expect(bad.headers['www-authenticate']).toBe('Bearer realm="lingua-gateway", error="invalid_token"');
  });

  it('answers a session token on /ws/node with 403', async () => {
    const h = await startRouter();
    const token = await mintToken({ secret: keys.secret, role: 'session' });
    const result = await attempt(`${h.url}/ws/node`, { authorization: `Bearer ${token}` });
    expect(result).toMatchObject({ opened: false, status: 403, body: 'wrong_role\n' });
    if (!result.opened) expect(result.headers['www-authenticate']).toBeUndefined();
    expect(h.handled).toHaveLength(0);
    expect(await rejectedCount(h, 'forbidden')).toBe(1);
  });

  it('connects a valid node token and hands its principal to the handler', async () => {
    const h = await startRouter();
    const token = await mintToken({ secret: keys.secret, role: 'node', nodeId: 'n-1' });
    const viaHeader = await attempt(`${h.url}/ws/node`, { authorization: `Bearer ${token}` });
    expect(viaHeader).toEqual({ opened: true, message: { role: 'node', subject: 'n-1', mayUseN1: true } });

    const other = await mintToken({ secret: keys.secret, role: 'node', nodeId: 'n-2' });
    const viaQuery = await attempt(`${h.url}/ws/node?access_token=${other}`);
    expect(viaQuery).toEqual({ opened: true, message: { role: 'node', subject: 'n-2', mayUseN1: false } });
    expect(h.handled.map((x) => x.endpoint)).toEqual(['node', 'node']);
  });

  it('still refuses with 503 while not ready or draining, before verifying anything', async () => {
    let calls = 0;
    const h = await startRouter({
      authorize: (req, kind) => {
        calls++;
        return verifier.verify(req, kind);
      },
    });
    const token = await mintToken({ secret: keys.secret, role: 'session' });
    h.setAdmission('not_ready');
    expect(await attempt(`${h.url}/ws/session`, { authorization: `Bearer ${token}` })).toMatchObject({
      status: 503,
    });
    h.setAdmission('draining');
    expect(await attempt(`${h.url}/ws/session`, { authorization: `Bearer ${token}` })).toMatchObject({
      status: 503,
    });
    expect(calls).toBe(0);
    expect(await rejectedCount(h, 'draining')).toBe(1);
    h.setAdmission('open');
    expect(await attempt(`${h.url}/ws/session`, { authorization: `Bearer ${token}` })).toMatchObject({
      opened: true,
    });
  });

  it('refuses with 503 when the instance starts draining while the token is being verified', async () => {
    const parked = parkedAuthorize();
    const h = await startRouter({ authorize: parked.authorize });
    const pending = attempt(`${h.url}/ws/session`);
    await until(() => parked.calls.length === 1, 'authorize to be called');
    h.setAdmission('draining');
    parked.calls[0]!.resolve(admitted('session'));
    expect(await pending).toMatchObject({ opened: false, status: 503 });
    expect(h.handled).toHaveLength(0);
  });

  for (const goAway of ['reset', 'end'] as const) {
    it(`leaks no socket when the client goes away (${goAway}) during a slow verification`, async () => {
      const parked = parkedAuthorize();
      const h = await startRouter({ authorize: parked.authorize });
      const { port } = h.server.address() as AddressInfo;
      const raw = connect(port, '127.0.0.1');
      raw.on('error', () => undefined);
      await once(raw, 'connect');
      raw.write(
        'GET /ws/node HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      await until(() => parked.calls.length === 1, 'authorize to be called');
      expect(await connectionCount(h.server)).toBe(1);
      // A reset raises an 'error' on the server side socket while nobody owns it: it must not crash the process.
      const serverSide = parked.calls[0]!.req.socket;
      if (goAway === 'reset') raw.resetAndDestroy();
      else raw.end();
      await until(() => serverSide.destroyed || serverSide.readableEnded, 'the server to see the client go');
      parked.calls[0]!.resolve(admitted('node'));
      await until(async () => (await connectionCount(h.server)) === 0, 'no open connections');
      expect(serverSide.destroyed).toBe(true);
      expect(h.handled).toHaveLength(0);
    });
  }

  it('refuses with 503 and closes the socket when verification outlives the timeout', async () => {
    const parked = parkedAuthorize();
    const h = await startRouter({ authorize: parked.authorize, authorizeTimeoutMs: 50 });
    expect(await attempt(`${h.url}/ws/session`)).toMatchObject({ opened: false, status: 503 });
    expect(await rejectedCount(h, 'auth_timeout')).toBe(1);
    await until(async () => (await connectionCount(h.server)) === 0, 'no open connections');
    parked.calls[0]!.resolve({ ok: false, status: 401, reason: 'missing_token' }); // late answers are ignored
    expect(h.handled).toHaveLength(0);
  });

  it('refuses with 503 when authorize throws', async () => {
    const h = await startRouter({ authorize: () => Promise.reject(new Error('verifier broke')) });
    expect(await attempt(`${h.url}/ws/session`)).toMatchObject({ opened: false, status: 503 });
    expect(await rejectedCount(h, 'auth_error')).toBe(1);
  });

  it('without authorize, accepts as before and attaches no principal', async () => {
    const h = await startRouter({ authorize: undefined });
    expect(await attempt(`${h.url}/ws/session`)).toEqual({
      opened: true,
      message: {},
    });
    expect(h.handled[0]!.principal).toBeUndefined();
  });
});
