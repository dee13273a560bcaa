/**
 * aws4fetch, loaded on first use: its module setup reaches for Web Crypto, whose first use
 * lengthens a cold start measurably, a cost servers without SigV4 tools or secrets should not
 * pay. Bundled either way; only its evaluation waits.
 */
let loading: Promise<typeof import('aws4fetch')> | undefined;

export function loadAws4fetch(): Promise<typeof import('aws4fetch')> {
  loading ??= import('aws4fetch');
  return loading;
}
