import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ErrorCode, ProtocolError, errorHint, isErrorCode } from './errors.js';

// The codes of docs/protocol.md "Errors", then our ext codes.
const DOCUMENTED = [
  'INVALID_MESSAGE',
  'INVALID_SESSION',
  'SESSION_CLOSED',
  'INTERNAL_ERROR',
  'NODE_UNAVAILABLE',
  'NODE_OVERLOADED',
  'NO_AVAILABLE_NODE',
  'MODEL_NOT_AVAILABLE',
  'MODEL_LOAD_FAILED',
  'UNSUPPORTED_FEATURE',
  'INVALID_PAIRING_CODE',
  'WS_DISCONNECTED',
  'NMT_TIMEOUT',
  'TTS_TIMEOUT',
  'JOB_TIMEOUT',
  'MODEL_VERIFY_FAILED',
  'MODEL_CORRUPTED',
  'NO_GPU_AVAILABLE',
  'NODE_ID_CONFLICT',
  'INVALID_CAPABILITY_SCHEMA',
  'SCHEDULER_DEPENDENCY_DOWN',
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'AUDIO_BUFFER_FULL',
];

describe('ErrorCode', () => {
  it('lists exactly the documented codes, each mapped to itself', () => {
    expect([...ERROR_CODES].sort()).toEqual([...DOCUMENTED].sort());
    for (const [k, v] of Object.entries(ErrorCode)) expect(k).toBe(v);
  });
  it('recognises codes', () => {
    expect(isErrorCode('JOB_TIMEOUT')).toBe(true);
    expect(isErrorCode('PROCESSING_ERROR')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('errorHint', () => {
  it('gives every code its own short English sentence', () => {
    const hints = ERROR_CODES.map(errorHint);
    expect(new Set(hints).size).toBe(ERROR_CODES.length);
    for (const h of hints) {
      expect(h).toMatch(/^[A-Z].*\.$/);
      expect(h.length).toBeLessThanOrEqual(100);
    }
  });
  it('answers unknown codes (node-specific ones are passed through) with a generic sentence', () => {
    expect(errorHint('PROCESSING_ERROR')).toBe('Something went wrong; please try again.');
    expect(errorHint('toString')).toBe('Something went wrong; please try again.');
  });
});

describe('ProtocolError', () => {
  it('carries code and path', () => {
    const err = new ProtocolError('INVALID_MESSAGE', 'bad', '/seq');
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'ProtocolError',
      code: 'INVALID_MESSAGE',
      path: '/seq',
      message: 'bad',
    });
    expect(new ProtocolError('INTERNAL_ERROR', 'x')).not.toHaveProperty('path');
  });
});
