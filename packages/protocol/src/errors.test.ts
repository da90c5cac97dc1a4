import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ErrorCode,
  NODE_FAILURE_CODES,
  ProtocolError,
  errorHint,
  isErrorCode,
  nodeFailureCode,
} from './errors.js';

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
  'PROCESSING_ERROR',
];

describe('ErrorCode', () => {
  it('lists exactly the documented codes, each mapped to itself', () => {
    expect([...ERROR_CODES].sort()).toEqual([...DOCUMENTED].sort());
    for (const [k, v] of Object.entries(ErrorCode)) expect(k).toBe(v);
  });
  it('recognises codes', () => {
    expect(isErrorCode('JOB_TIMEOUT')).toBe(true);
    expect(isErrorCode('PROCESSING_ERROR')).toBe(true);
    expect(isErrorCode('NODE_SPECIFIC')).toBe(false);
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
  it('answers unknown codes with a generic sentence', () => {
    expect(errorHint('NODE_SPECIFIC')).toBe('Something went wrong; please try again.');
    expect(errorHint('toString')).toBe('Something went wrong; please try again.');
  });
});

describe('nodeFailureCode', () => {
  it('passes node failure codes, and maps session/gateway codes and unknown words to PROCESSING_ERROR', () => {
    for (const code of NODE_FAILURE_CODES) {
      expect(isErrorCode(code)).toBe(true);
      expect(nodeFailureCode(code)).toBe(code);
    }
    for (const code of [
      'INVALID_SESSION',
      'UNAUTHORIZED',
      'SESSION_CLOSED',
      'RE-ENTER PASSWORD',
      'toString',
    ]) {
      expect(nodeFailureCode(code)).toBe('PROCESSING_ERROR');
    }
    expect(nodeFailureCode(undefined)).toBe('PROCESSING_ERROR');
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
