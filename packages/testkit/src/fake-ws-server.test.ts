import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeWsConnection, FakeWsServer, type FrameCodec } from './fake-ws-server.js';

type Msg = { type: 'hello'; n: number } | { type: 'bye' };

const codec: FrameCodec<Msg, Msg> = {
  peer: 'peer',
  decode: (data) => {
    const text = String(data);
    return text.startsWith('{')
      ? { ok: true, msg: JSON.parse(text) as Msg }
      : { ok: false, error: { message: `not JSON: ${text}` } };
  },
  encode: (msg) => JSON.stringify(msg),
};

class TestServer extends FakeWsServer<FakeWsConnection<Msg, Msg>> {
  static start(): Promise<TestServer> {
    return new TestServer('/ws/test', (ws) => new FakeWsConnection(ws, codec)).listening();
  }
}

async function dial(server: TestServer): Promise<WebSocket> {
  const ws = new WebSocket(`${server.url}/ws/test`);
  await once(ws, 'open');
  return ws;
}

describe('FakeWsServer', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('records decoded frames, returns each type in order once, and replies encoded', async () => {
    server = await TestServer.start();
    const peer = await dial(server);
    const conn = await server.nextConnection();
    peer.send(JSON.stringify({ type: 'hello', n: 1 }));
    peer.send(JSON.stringify({ type: 'bye' }));
    peer.send(JSON.stringify({ type: 'hello', n: 2 }));
    expect(await conn.next('hello')).toEqual({ type: 'hello', n: 1 });
    expect(await conn.next('hello')).toEqual({ type: 'hello', n: 2 });
    expect(await conn.next('bye')).toEqual({ type: 'bye' });
    expect(conn.count('hello')).toBe(2);

    const reply = once(peer, 'message');
    conn.send({ type: 'hello', n: 3 });
    expect(JSON.parse(String((await reply)[0]))).toEqual({ type: 'hello', n: 3 });
    peer.close(4000, 'done');
    expect(await conn.closed).toEqual({ code: 4000, reason: 'done' });
  });

  it('fails a wait once the peer sent a frame that does not decode, naming the peer', async () => {
    server = await TestServer.start();
    const peer = await dial(server);
    const conn = await server.nextConnection();
    peer.send('garbage');
    await expect(conn.next('hello')).rejects.toThrow('peer sent invalid frames: not JSON: garbage');
    expect(conn.invalid).toEqual(['not JSON: garbage']);
    peer.close();
  });

  it('times out a wait with the type it waited for, and hands new connections to serveEach', async () => {
    server = await TestServer.start();
    await expect(server.nextConnection(20)).rejects.toThrow('no connection within 20 ms');
    const served: FakeWsConnection<Msg, Msg>[] = [];
    server.serveEach((c) => served.push(c));
    const peer = await dial(server);
    const conn = await server.nextConnection();
    expect(served).toEqual([conn]);
    await expect(conn.next('bye', 20)).rejects.toThrow('no bye within 20 ms');
    peer.close();
  });

  it('records every upgrade request with its headers, and refuses upgrades with the status and body given', async () => {
    server = await TestServer.start();
    const peer = new WebSocket(`${server.url}/ws/test?access_token=q`, {
      headers: { authorization: 'Bearer h' },
    });
    await once(peer, 'open');
    expect(server.upgrades).toEqual([
      expect.objectContaining({
        url: '/ws/test?access_token=q',
        headers: expect.objectContaining({ authorization: 'Bearer h' }) as unknown,
      }),
    ]);
    peer.close();

    server.refuseUpgrades({ status: 401, body: 'expired\n' });
    const refused = new WebSocket(`${server.url}/ws/test`);
    const [, res] = (await once(refused, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(res.statusCode).toBe(401);
    res.setEncoding('utf8');
    let body = '';
    for await (const chunk of res) body += chunk as string;
    expect(body).toBe('expired\n');
    // Aborting a handshake that got an answer reports an error; nothing to learn from it here.
    refused.on('error', () => undefined);
    refused.terminate();
    expect(await server.untilUpgrades(2)).toHaveLength(2);
    expect(server.connections).toHaveLength(1);
  });
});
