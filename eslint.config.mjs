import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Import patterns a layer may not use, so the dependency direction stays one way. */
const layer = (files, patterns) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'coverage/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['bin/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  // config/ is data and validation: every other layer reads it, it reads none of them.
  layer(
    ['config/**'],
    [
      {
        group: ['**/lambdas/**', '**/lib/**', '**/local/**', '**/cli/**', '**/bin/**'],
        message: 'config/ is data and validation only.',
      },
      {
        group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '@aws-sdk/*', '@modelcontextprotocol/*', 'zod', 'zod/*'],
        message: 'config/ is loaded by every bundle: keep it free of heavy modules.',
      },
    ],
  ),
  // The functions are bundled on their own: they never reach into the stacks, the local stack or the CLI.
  layer(
    ['lambdas/**'],
    [
      {
        group: ['**/lib/**', '**/local/**', '**/cli/**', '**/bin/**', '**/bench/**', '**/test/**'],
        message: 'lambdas/ is bundled into Lambda functions.',
      },
    ],
  ),
  // zod's `z` object holds every locale, so a bundle importing it carries them all; the
  // namespace import lets esbuild keep only what is used.
  {
    files: ['lambdas/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value=/^zod/][importKind!='type'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
          message: "Use `import * as z from 'zod'`: the `z` object would bring every zod locale into the bundle.",
        },
      ],
    },
  },
  // The local stack loads these without aws-cdk-lib.
  layer(
    ['lib/gateway-responses.ts'],
    [
      {
        group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
        message: 'the local stack reads the gateway responses without aws-cdk-lib.',
      },
    ],
  ),
  layer(
    ['local/**', 'cli/**', 'lib/**'],
    [{ group: ['**/test/**', '**/bench/**'], message: 'product code never imports tests or benchmarks.' }],
  ),
  layer(['bench/**'], [{ group: ['**/test/**'], message: 'benchmarks use product code, not test helpers.' }]),
);
