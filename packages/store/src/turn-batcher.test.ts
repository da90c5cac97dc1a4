import { expect, it } from 'vitest';
import { TurnBatcher } from './turn-batcher.js';

it('flushes what one turn adds once per key, in order, and starts afresh on the next turn', async () => {
  const flushes: [string, number[]][] = [];
  const b = new TurnBatcher<number, string>((key, items) => {
    flushes.push([key, items]);
    return Promise.resolve(items.map((i) => `${key}:${i}`));
  });
  const first = await Promise.all([b.add('a', 1), b.add('b', 2), b.add('a', 3)]);
  expect(first).toEqual(['a:1', 'b:2', 'a:3']);
  expect(flushes).toEqual([
    ['a', [1, 3]],
    ['b', [2]],
  ]);
  expect(await b.add('a', 4)).toBe('a:4');
  expect(flushes).toHaveLength(3);
});

it('fails every call of a batch whose flush fails, and only that batch', async () => {
  const b = new TurnBatcher<number, number>((key, items) =>
    key === 'bad' ? Promise.reject(new Error('down')) : Promise.resolve(items),
  );
  const results = await Promise.allSettled([b.add('bad', 1), b.add('good', 2), b.add('bad', 3)]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
  expect(results[1]).toMatchObject({ value: 2 });
});
