import type { Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { holdBurst, sendJson } from './send.js';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const x of open.splice(0)) x.close();
});

async function pair(): Promise<{ server: WebSocket; client: WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  open.push(wss);
  await once(wss, 'listening');
  const { port } = wss.address() as { port: number };
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  open.push(client);
  const [server] = (await once(wss, 'connection')) as [WebSocket];
  await once(client, 'open');
  return { server, client };
}

/** Counts the socket writes (one syscall each) under a server-side WebSocket. */
function countWrites(ws: WebSocket): { count: number } {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  const counter = { count: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method] as (...args: unknown[]) => void;
    socket[method] = ((...args: unknown[]) => {
      counter.count++;
      original.apply(socket, args);
    }) as never;
  }
  return counter;
}

it('sends the first frame of a burst at once and the rest together, in order; a later burst starts afresh', async () => {
  const { server, client } = await pair();
  const writes = countWrites(server);
  const got: unknown[] = [];
  client.on('message', (data) => got.push(JSON.parse(String(data))));

  expect(sendJson(server, { n: 1 })).toBe(true);
  sendJson(server, '{"n":2}');
  sendJson(server, { n: 3 });
  sendJson(server, { n: 4 });
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes.count).toBe(2);
  sendJson(server, { n: 5 });
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes.count).toBe(3);

  await expect.poll(() => got.length).toBe(5);
  expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
});

it('holdBurst sends every frame of the burst and what its hook writes in one write', async () => {
  const { server, client } = await pair();
  const writes = countWrites(server);
  const pinged = once(client, 'ping');
  holdBurst(server, () => server.ping('after'));
  sendJson(server, { n: 1 });
  sendJson(server, { n: 2 });
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes.count).toBe(1);
  const [data] = (await pinged) as [Buffer];
  expect(String(data)).toBe('after');
});

it('refuses a socket that is not open', async () => {
  const { server } = await pair();
  server.terminate();
  expect(sendJson(server, { n: 1 })).toBe(false);
});
