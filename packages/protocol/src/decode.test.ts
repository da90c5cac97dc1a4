import { describe, expect, it } from 'vitest';
import { decodeNodeFrame, decodeSessionFrame } from './decode.js';

describe('decoders (smoke)', () => {
  it('reports the path of a wrong-typed nested field', () => {
    const frame = JSON.stringify({
      type: 'node_heartbeat',
      node_id: 'n1',
      timestamp: 1,
      resource_usage: { cpu_percent: 'x', mem_percent: 2, running_jobs: 0 },
      installed_services: [],
      capability_by_type: [],
    });
    const r = decodeNodeFrame(frame);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'INVALID_MESSAGE', path: '/resource_usage/cpu_percent' },
    });
  });

  it('treats null as absent where clients send it and strips unknown fields', () => {
    const r = decodeSessionFrame(
      '{"type":"session_init","client_version":"1","platform":"web","src_lang":"zh","tgt_lang":"en","dialect":null,"junk":1}',
    );
    expect(r).toEqual({
      ok: true,
      msg: { type: 'session_init', client_version: '1', platform: 'web', src_lang: 'zh', tgt_lang: 'en' },
    });
  });
});
