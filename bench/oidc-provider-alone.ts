/**
 * What the OAuth authorization server cannot shed: oidc-provider and its dependencies alone, a
 * provider with its default configuration answering its discovery document through its own
 * Koa app. A reference bundle for part 4, not a handler.
 */
import Provider from 'oidc-provider';
import { runNodeListener } from '../lambdas/oauth/node-http';

let provider: Provider | undefined;

export async function handler(): Promise<{ statusCode: number }> {
  provider ??= new Provider('https://mcp.example.com', {});
  const { statusCode } = await runNodeListener(provider.callback(), {
    method: 'GET',
    url: '/.well-known/openid-configuration',
    headers: { host: ['mcp.example.com'] },
    body: Buffer.alloc(0),
    encrypted: true,
    remoteAddress: '127.0.0.1',
  });
  return { statusCode };
}
