import { describe, expect, it } from 'vitest';
import { encodeNodeFrame, encodeSessionFrame } from './encode.js';
import { NODE_OUTBOUND_EXAMPLES, SESSION_OUTBOUND_EXAMPLES } from './examples.js';
import type { JobAssign } from './messages.js';

const FLAGS = ['is_manual_cut', 'is_timeout_triggered', 'is_max_duration_triggered'] as const;

describe('encodeNodeFrame job_assign cut flags', () => {
  const {
    is_manual_cut: _a,
    is_timeout_triggered: _b,
    is_max_duration_triggered: _c,
    ...base
  } = NODE_OUTBOUND_EXAMPLES.job_assign;

  it('omits flags that are false or undefined', () => {
    const msg: JobAssign = {
      ...base,
      is_manual_cut: false,
      is_timeout_triggered: undefined,
      is_max_duration_triggered: false,
    };
    const parsed = JSON.parse(encodeNodeFrame(msg)) as Record<string, unknown>;
    for (const flag of FLAGS) expect(parsed).not.toHaveProperty(flag);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(base)));
  });

  it.each(FLAGS)('keeps %s when true, alone', (flag) => {
    const msg: JobAssign = {
      ...base,
      is_manual_cut: false,
      is_timeout_triggered: false,
      is_max_duration_triggered: false,
      [flag]: true,
    };
    const parsed = JSON.parse(encodeNodeFrame(msg)) as Record<string, unknown>;
    expect(FLAGS.filter((f) => f in parsed)).toEqual([flag]);
    expect(parsed[flag]).toBe(true);
  });

  it('does not modify the message it encodes', () => {
    const msg: JobAssign = { ...base, is_manual_cut: false };
    encodeNodeFrame(msg);
    expect(msg.is_manual_cut).toBe(false);
  });
});

describe('encoders omit undefined optional fields', () => {
  it('for session frames', () => {
    const text = encodeSessionFrame({
      ...SESSION_OUTBOUND_EXAMPLES.backpressure,
      resume_after_ms: undefined,
    });
    expect(text).toBe('{"type":"backpressure","action":"SLOW_DOWN"}');
  });
  it('for node frames', () => {
    const text = encodeNodeFrame({
      type: 'job_cancel',
      job_id: 'j1',
      trace_id: undefined,
      reason: undefined,
    });
    expect(text).toBe('{"type":"job_cancel","job_id":"j1"}');
  });
});
