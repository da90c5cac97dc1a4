import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KeyedLimit } from './keyed-limit.js';
import { normalizeOrigin, OriginAllowList } from './origin-allow-list.js';
import { clip, clipFields, PeerLog, PEER_TEXT_MAX } from './peer-log.js';

describe('KeyedLimit', () => {
  it('refuses past the maximum per key; each release counts once', () => {
    const limit = new KeyedLimit(2);
    const a = limit.tryAcquire('a');
    const b = limit.tryAcquire('a');
    expect(a && b).toBeTruthy();
    expect(limit.tryAcquire('a')).toBeUndefined();
    expect(limit.tryAcquire('b')).toBeDefined();
    a?.();
    a?.();
    expect(limit.count('a')).toBe(1);
    expect(limit.tryAcquire('a')).toBeDefined();
    // A forced slot goes past the maximum.
    limit.acquire('a');
    expect(limit.count('a')).toBe(3);
  });

  it('counts without a maximum when it is 0', () => {
    const limit = new KeyedLimit(0);
    for (let i = 0; i < 1_000; i++) expect(limit.tryAcquire('a')).toBeDefined();
  });
});

describe('OriginAllowList', () => {
  const req = (origin?: string): IncomingMessage =>
    ({ headers: origin === undefined ? {} : { origin } }) as unknown as IncomingMessage;

  it('admits listed origins and requests without Origin; refuses the rest', () => {
    const list = new OriginAllowList(['https://app.example.com', 'http://localhost:3000']);
    expect(list.admits(req())).toBe(true);
    expect(list.admits(req('https://app.example.com'))).toBe(true);
    expect(list.admits(req('HTTPS://APP.example.com:443'))).toBe(true);
    expect(list.admits(req('http://localhost:3000'))).toBe(true);
    expect(list.admits(req('https://evil.example'))).toBe(false);
    expect(list.admits(req('http://app.example.com'))).toBe(false);
    expect(list.admits(req('null'))).toBe(false);
  });

  it('normalizes configured origins and refuses anything else', () => {
    expect(normalizeOrigin('https://App.Example.com/')).toBe('https://app.example.com');
    expect(normalizeOrigin('https://a.example/path')).toBeUndefined();
    expect(normalizeOrigin('*')).toBeUndefined();
  });
});

describe('peer log', () => {
  it('cuts long strings and large objects, noting the original length', () => {
    expect(clip('short')).toBe('short');
    const cut = clip('x'.repeat(10_000));
    expect(cut.length).toBeLessThan(PEER_TEXT_MAX + 32);
    expect(cut).toContain('[10000 chars]');
    const fields = clipFields({ message: 'y'.repeat(5_000), details: { blob: 'z'.repeat(5_000) }, n: 3 });
    expect(JSON.stringify(fields).length).toBeLessThan(3 * PEER_TEXT_MAX);
    expect(fields.n).toBe(3);
    expect(clipFields({ details: { a: 1 } })).toEqual({ details: { a: 1 } });
  });

  it('writes at most maxLines per window, then one line counting the rest', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n'))
          if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    let now = 0;
    const log = new PeerLog(pino({ level: 'info' }, sink), { maxLines: 3, windowMs: 10_000 }, () => now);
    for (let i = 0; i < 10; i++) log.warn({ i }, 'peer said');
    log.debug({ i: 99 }, 'below the level: neither written nor counted');
    expect(lines.map((l) => l.msg)).toEqual(['peer said', 'peer said', 'peer said']);
    now = 10_000;
    log.warn({ i: 10 }, 'peer said');
    expect(lines[3]).toMatchObject({ msg: 'peer log lines suppressed', suppressed: 7 });
    expect(lines[4]).toMatchObject({ msg: 'peer said', i: 10 });
    log.flush();
    expect(lines).toHaveLength(5);
  });
});
