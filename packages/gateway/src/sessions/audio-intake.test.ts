import { describe, expect, it } from 'vitest';
import { encodeOpusPlanA } from '@lingua/protocol';
import { decodeAudio } from './audio-intake.js';

describe('audio intake', () => {
  it('opus duration is 20 ms per Plan A packet', () => {
    const b64 = Buffer.from(encodeOpusPlanA([new Uint8Array([1, 2]), new Uint8Array([3])])).toString(
      'base64',
    );
    const r = decodeAudio(b64, 'opus', 16000, '/payload');
    expect(r).toMatchObject({ ok: true, piece: { durationMs: 40 } });
  });

  it('malformed framing and bad base64 name the field', () => {
    expect(decodeAudio(Buffer.from([5, 0, 1]).toString('base64'), 'opus', 16000, '/payload')).toMatchObject({
      ok: false,
      path: '/payload',
    });
    expect(decodeAudio('not base64!', 'opus', 16000, '/audio')).toMatchObject({ ok: false, path: '/audio' });
  });

  it('pcm16 duration follows from bytes and rate', () => {
    const b64 = Buffer.alloc(3200).toString('base64');
    expect(decodeAudio(b64, 'pcm16', 16000, '/payload')).toMatchObject({
      ok: true,
      piece: { durationMs: 100 },
    });
    expect(decodeAudio(Buffer.alloc(3).toString('base64'), 'pcm16', 16000, '/payload')).toMatchObject({
      ok: false,
    });
  });

  it('empty audio is zero bytes', () => {
    expect(decodeAudio('', 'opus', 16000, '/payload')).toMatchObject({ ok: true, piece: { durationMs: 0 } });
  });
});
