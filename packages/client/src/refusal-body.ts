/**
 * The body of an HTTP answer that refused a WebSocket upgrade (the gateway puts its reason code there), read up
 * to a small limit. Resolves when the body ends or the response is cut off, never rejects: the body only adds
 * detail to an error that is reported either way.
 */
import type { IncomingMessage } from 'node:http';

const MAX_BODY_CHARS = 512;

export function readRefusalBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    const done = () => resolve(body.slice(0, MAX_BODY_CHARS));
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      body += chunk;
      if (body.length >= MAX_BODY_CHARS) {
        res.destroy();
        done();
      }
    });
    res.once('end', done);
    res.once('close', done);
    res.once('error', done);
  });
}
