import { describe, expect, it } from 'vitest';
import { NODE_TEXT_LOG_MAX, nodeValueForLog, truncateNodeText } from './node-text.js';

describe('node text for the log', () => {
  it('keeps short text and cuts long text at 256 units with a mark', () => {
    expect(truncateNodeText('short')).toBe('short');
    const long = 'x'.repeat(10_000);
    expect(truncateNodeText(long)).toBe(`${'x'.repeat(NODE_TEXT_LOG_MAX)}…`);
    expect(NODE_TEXT_LOG_MAX).toBe(256);
  });
  it('serialises values before cutting them', () => {
    expect(nodeValueForLog(undefined)).toBeUndefined();
    expect(nodeValueForLog({ a: 1 })).toBe('{"a":1}');
    expect(nodeValueForLog({ a: 'y'.repeat(1000) })?.length).toBe(NODE_TEXT_LOG_MAX + 1);
  });
});
