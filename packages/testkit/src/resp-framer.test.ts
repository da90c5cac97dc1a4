import { describe, expect, it } from 'vitest';
import { commandArgs, connectionNameSet, RespFramer } from './resp-framer.js';

const REPLIES = [
  '+OK\r\n',
  '-ERR wrong\r\n',
  ':42\r\n',
  '$5\r\nhe\r\no\r\n', // CRLF inside a bulk string is payload, not framing
  '$0\r\n\r\n',
  '$-1\r\n',
  '*-1\r\n',
  '*0\r\n',
  '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nhey\r\n',
  '*2\r\n*2\r\n:1\r\n$-1\r\n*1\r\n*1\r\n+deep\r\n',
  // RESP3: null, double, boolean, big number, blob error, verbatim, map, set, push, attribute + reply
  '_\r\n',
  ',3.14\r\n',
  '#t\r\n',
  '(12345678901234567890\r\n',
  '!5\r\nERR x\r\n',
  '=8\r\ntxt:abcd\r\n',
  '%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n:2\r\n',
  '~2\r\n+x\r\n+y\r\n',
  '>3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$1\r\nm\r\n',
  '|1\r\n+ttl\r\n:3\r\n$3\r\nval\r\n',
];

describe('RespFramer (replies)', () => {
  it('frames every RESP2 and RESP3 reply type, whole', () => {
    const framer = new RespFramer('replies');
    const frames = framer.push(Buffer.from(REPLIES.join('')));
    expect(frames.map((f) => f.toString())).toEqual(REPLIES);
    expect(framer.buffered).toBe(0);
  });

  it('frames the same stream fed one byte at a time', () => {
    const framer = new RespFramer('replies');
    const bytes = Buffer.from(REPLIES.join(''));
    const frames: string[] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (const f of framer.push(bytes.subarray(i, i + 1))) frames.push(f.toString());
    }
    expect(frames).toEqual(REPLIES);
  });

  it('keeps an incomplete nested array until its last element arrives', () => {
    const framer = new RespFramer('replies');
    expect(framer.push(Buffer.from('*2\r\n*1\r\n:1\r\n$3\r\nab'))).toEqual([]);
    expect(framer.push(Buffer.from('c\r\n:7\r\n')).map(String)).toEqual([
      '*2\r\n*1\r\n:1\r\n$3\r\nabc\r\n',
      ':7\r\n',
    ]);
  });

  it('refuses garbage with RESP_FRAMING', () => {
    expect(() => new RespFramer('replies').push(Buffer.from('hello\r\n'))).toThrow(/RESP_FRAMING/);
    expect(() => new RespFramer('replies').push(Buffer.from('$3\r\nabcd\r\n'))).toThrow(/RESP_FRAMING/);
  });
});

describe('RespFramer (commands)', () => {
  it('frames RESP arrays and inline commands, and finds the connection name', () => {
    const framer = new RespFramer('commands');
    const stream =
      '*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nweb1\r\nPING\r\n*4\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$7\r\nsetname\r\n$2\r\nw2\r\n';
    const frames = framer.push(Buffer.from(stream));
    expect(frames).toHaveLength(3);
    const args = frames.map((f) => commandArgs(f) ?? []);
    expect(args).toEqual([['CLIENT', 'SETNAME', 'web1'], ['PING'], ['HELLO', '3', 'setname', 'w2']]);
    expect(args.map(connectionNameSet)).toEqual(['web1', undefined, 'w2']);
  });
});
