/**
 * Test support: one WebSocket upgrade attempt over a real socket, resolving with the open socket or with the HTTP
 * refusal (status and body), so a test can assert either.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket, type ClientOptions } from 'ws';

export type UpgradeAttempt = { status: 101; ws: WebSocket } | { status: number; body: string };

export function attemptUpgrade(url: string, opts: ClientOptions = {}): Promise<UpgradeAttempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}
