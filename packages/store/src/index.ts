export * from './errors.js';
export * from './keys.js';
export * from './connection.js';
export * from './scripts/loader.js';
export * from './scripts/source.js';
export * from './scripts/hash-tag.js';
export * from './ops/node-release.js';
