import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientError } from './errors.js';
import { SessionClient, type SessionClientOptions } from './session-client.js';
import { FakeSessionGateway } from './testing/fake-session-gateway.js';

/** The `closed` event (not `events.once`, which would reject on the `error` event that precedes it). */
function whenClosed(client: SessionClient): Promise<{ error?: ClientError }> {
  return new Promise((resolve) => client.once('closed', resolve));
}

describe('SessionClient credential', () => {
  let gateways: FakeSessionGateway[];
  let clients: SessionClient[];

  const startGateway = async () => {
    const gateway = await FakeSessionGateway.start();
    gateways.push(gateway);
    return gateway;
  };

  const makeClient = (opts: Partial<SessionClientOptions> & { url: string }) => {
    const client = new SessionClient({
      srcLang: 'en',
      tgtLang: 'zh',
      backoff: { initialMs: 5, maxMs: 20, jitter: 0 },
      ...opts,
    });
    clients.push(client);
    return client;
  };

  /** A client with an established session on `gateway`, and the server side of its socket. */
  const connected = async (gateway: FakeSessionGateway, opts: Partial<SessionClientOptions> = {}) => {
    const client = makeClient({ url: gateway.url, ...opts });
    const ready = client.connect();
    const conn = await gateway.nextConnection();
    await conn.accept('sess-1', { resume_token: 'resume-1' });
    await ready;
    return { client, conn };
  };

  beforeEach(() => {
    gateways = [];
    clients = [];
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(gateways.map((g) => g.close()));
  });

  it('sends the token option as a Bearer header, dropping an access_token of the URL (the header wins)', async () => {
    const gateway = await startGateway();
    const { client } = await connected(gateway, {
      url: `${gateway.url}/ws/session?access_token=from-url`,
      token: 'from-option',
    });
    expect(client.url).toBe(`${gateway.url}/ws/session`);
    const [upgrade] = gateway.upgrades;
    expect(upgrade?.headers.authorization).toBe('Bearer from-option');
    expect(upgrade?.url).toBe('/ws/session');
  });

  it('keeps a token that travels in the URL, on reconnects too, and sends no header of its own', async () => {
    const gateway = await startGateway();
    const { conn } = await connected(gateway, { url: `${gateway.url}/ws/session?access_token=from-url` });
    conn.ws.terminate();
    await (await gateway.nextConnection()).accept('sess-1', { resumed: true });
    expect(gateway.upgrades.map((u) => [u.url, u.headers.authorization])).toEqual([
      ['/ws/session?access_token=from-url', undefined],
      ['/ws/session?access_token=from-url', undefined],
    ]);
  });

  it('refuses an unusable token option', () => {
    expect(() => makeClient({ url: 'ws://127.0.0.1:1', token: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }) as unknown as Error,
    );
  });

  it('rejects connect() with AUTH_REJECTED when the first upgrade is refused', async () => {
    const gateway = await startGateway();
    gateway.refuseUpgrades({ status: 403, body: 'wrong_role\n' });
    const client = makeClient({ url: gateway.url, token: 'admin-token' });
    const err = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({
      code: 'AUTH_REJECTED',
      details: { status: 403, reason: 'wrong_role' },
      message: 'the gateway refused the credential: 403 Forbidden (wrong_role)',
    });
    expect(client.connected).toBe(false);
    expect(gateway.upgrades).toHaveLength(1);
  });

  it('closes with AUTH_REJECTED when a reconnect is refused, without retrying, while other refusals are retried', async () => {
    const refusing = await startGateway();
    const busy = await startGateway();
    const a = await connected(refusing, { token: 'expires-soon' });
    const b = await connected(busy, { token: 'fine' });
    const errors: ClientError[] = [];
    a.client.on('error', (e) => errors.push(e));
    let reconnects = 0;
    a.client.on('reconnecting', () => reconnects++);
    const closed = whenClosed(a.client);
    const waiting = a.client.waitForResults(1).then(
      () => undefined,
      (e: unknown) => e,
    );

    refusing.refuseUpgrades({ status: 401, body: 'expired\n' });
    busy.refuseUpgrades({ status: 503 });
    a.conn.ws.terminate();
    b.conn.ws.terminate();

    const { error } = await closed;
    expect(error).toMatchObject({ code: 'AUTH_REJECTED', details: { status: 401, reason: 'expired' } });
    expect(errors).toEqual([error]);
    expect(await waiting).toBe(error);
    expect(() => a.client.sendAudio(new Uint8Array(2))).toThrow('client is closed');

    // Same backoff on both clients: by the time the 503 client has retried three times, the other would have too.
    await busy.untilUpgrades(4);
    expect(refusing.upgrades).toHaveLength(2);
    expect(reconnects).toBe(1);
  });
});
