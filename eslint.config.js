import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      'bench-results/**',
      '**/*.lua',
      'packages/protocol/schema/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Every Redis read and write of the gateway goes through a named function of @lingua/store, so that key
    // lifetimes, timeouts and idempotency each have one home. Tests and test helpers may read Redis directly.
    files: ['packages/gateway/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'packages/gateway/src/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='client'], MemberExpression[property.value='client']",
          message: 'the store owns Redis: add a function in packages/store',
        },
        {
          selector: "ObjectPattern > Property[key.name='client']",
          message: 'the store owns Redis: add a function in packages/store',
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'ioredis', message: 'the store owns Redis: add a function in packages/store' }],
          patterns: [
            { group: ['ioredis/*'], message: 'the store owns Redis: add a function in packages/store' },
          ],
        },
      ],
    },
  },
);
