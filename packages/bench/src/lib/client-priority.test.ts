import { describe, expect, it } from 'vitest';
import { stepAsideForServers } from './client-priority.js';

describe('stepAsideForServers', () => {
  it('leaves priorities alone when told to, and refuses unknown modes and bad niceness', () => {
    expect(stepAsideForServers({ 'client-sched': 'off' })).toBe('normal');
    expect(stepAsideForServers({ 'client-nice': '0' })).toBe('normal');
    expect(() => stepAsideForServers({ 'client-sched': 'fifo' })).toThrow(/BAD_ARGUMENT/);
    expect(() => stepAsideForServers({ 'client-sched': 'nice', 'client-nice': '25' })).toThrow(
      /BAD_ARGUMENT/,
    );
  });
});
