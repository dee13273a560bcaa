/**
 * How the stacks bundle every function (lib/gate-function.ts passes these to `NodejsFunction`'s
 * local esbuild), as data, so the cold-start benchmark (bench/cold-start.ts) builds exactly the
 * bundles `cdk synth` writes. Data only: no aws-cdk-lib.
 */
export const GATE_BUNDLING = {
  target: 'node22',
  /** CommonJS: ES module output measured no quicker to start (BENCHMARKS.md, part 4). */
  format: 'cjs',
  /** Packages' ES module builds, so esbuild drops the code nobody imports. */
  mainFields: ['module', 'main'],
  minify: true,
  /** Error class names stay readable in the logs. */
  keepNames: true,
  /** `--enable-source-maps` would lengthen the require at every cold start. */
  sourceMap: false,
  /**
   * Packages bundled once, as the project's own copy (esbuild resolves an alias from the
   * project root), whatever version an importer pins: koa (oidc-provider's) keeps an older
   * `mime-db` beside the one the rest uses, and each copy is a large table parsed at every cold
   * start of the OAuth authorization server (BENCHMARKS.md, part 4). Data only, same format.
   */
  alias: { 'mime-db': 'mime-db' },
} as const;
