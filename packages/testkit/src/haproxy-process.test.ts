import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { freePort } from './free-port.js';
import { startHaproxy, type HaproxyHandle } from './haproxy-process.js';
import { poll } from './poll.js';
import { kitRoot } from './tracked-process.js';

/** A tiny backend: /readyz for haproxy's health check, / names the backend, /ws echoes. */
async function backend(name: string): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    res.writeHead(200).end(req.url === '/readyz' ? 'ok' : name);
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`${name}:${String(data)}`)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}

describe('startHaproxy', () => {
  const backends: { server: Server; port: number }[] = [];
  let proxy: HaproxyHandle;

  beforeAll(async () => {
    backends.push(await backend('a'), await backend('b'));
    proxy = await startHaproxy({ backends: backends.map((b) => ({ host: '127.0.0.1', port: b.port })) });
  });

  afterAll(async () => {
    await proxy?.stop();
    for (const b of backends) {
      b.server.closeAllConnections();
      await new Promise((resolve) => b.server.close(resolve));
    }
  });

  it('proxies HTTP to both backends', async () => {
    const seen = new Set<string>();
    await poll(
      async () => {
        const res = await fetch(`${proxy.url}/`);
        if (res.status === 200) seen.add(await res.text());
        return seen.size === 2;
      },
      { what: 'responses from both backends', timeoutMs: 10_000 },
    );
    expect([...seen].sort()).toEqual(['a', 'b']);
  });

  it('upgrades and relays WebSocket frames', async () => {
    const socket = new WebSocket(proxy.wsUrl('/ws'));
    const reply = new Promise<string>((resolve, reject) => {
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send('ping');
    expect(await reply).toMatch(/^[ab]:ping$/);
    socket.close();
  });

  it('runs from a config under the kit directory', () => {
    expect(proxy.configPath.startsWith(kitRoot())).toBe(true);
  });
});
