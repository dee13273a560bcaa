/**
 * aws4fetch, loaded on first use: its module setup reaches for Web Crypto, whose first use
 * lengthens a cold start measurably, a cost servers without SigV4 tools or secrets should not
 * pay. Bundled either way (esbuild wraps a required ES module so it runs when first required).
 */
type Aws4fetch = typeof import('aws4fetch');

let loaded: Aws4fetch | undefined;

export function loadAws4fetch(): Aws4fetch {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('aws4fetch') as Aws4fetch;
  return loaded;
}
