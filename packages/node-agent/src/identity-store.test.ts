import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileIdentityStore, memoryIdentityStore } from './identity-store.js';

describe('fileIdentityStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lingua-identity-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has nothing before the first save', async () => {
    expect(await fileIdentityStore(join(dir, 'node.json')).load()).toBeUndefined();
  });

  it('round-trips id and token through the file, creating parent directories', async () => {
    const path = join(dir, 'nested', 'node.json');
    await fileIdentityStore(path).save({ nodeId: 'node-7', nodeToken: 'tok' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ nodeId: 'node-7', nodeToken: 'tok' });
    expect(await fileIdentityStore(path).load()).toEqual({ nodeId: 'node-7', nodeToken: 'tok' });
  });

  it('rejects a corrupt file with IDENTITY_STORE', async () => {
    const path = join(dir, 'node.json');
    await writeFile(path, '{"nodeId": 42}');
    await expect(fileIdentityStore(path).load()).rejects.toMatchObject({ code: 'IDENTITY_STORE' });
    await writeFile(path, 'not json');
    await expect(fileIdentityStore(path).load()).rejects.toMatchObject({ code: 'IDENTITY_STORE' });
  });
});

describe('memoryIdentityStore', () => {
  it('returns what was saved last', async () => {
    const store = memoryIdentityStore({ nodeId: 'a' });
    expect(await store.load()).toEqual({ nodeId: 'a' });
    await store.save({ nodeId: 'b', nodeToken: 't' });
    expect(await store.load()).toEqual({ nodeId: 'b', nodeToken: 't' });
  });
});
