import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRouter, json } from './router.js';

describe('HttpRouter', () => {
  it('matches exact paths and :params, answers 404/405/500 as JSON', async () => {
    const router = new HttpRouter();
    router.get('/a', () => json(200, { ok: true }));
    router.get('/nodes/:id', ({ id }) => json(200, { id }));
    router.get('/boom', () => {
      throw new Error('kaput');
    });
    const server = createServer((req, res) => void router.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/a?x=1`)).json()).toEqual({ ok: true });
      expect(await (await fetch(`${base}/nodes/n%2D1`)).json()).toEqual({ id: 'n-1' });
      expect((await fetch(`${base}/nodes`)).status).toBe(404);
      expect((await fetch(`${base}/a`, { method: 'POST' })).status).toBe(405);
      const boom = await fetch(`${base}/boom`);
      expect(boom.status).toBe(500);
      expect(await boom.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'kaput' } });
    } finally {
      server.close();
    }
  });
});
