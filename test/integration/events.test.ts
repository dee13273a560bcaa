import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { servers } from '../../config/servers';
import { authorizerHandlerFromEnv, type AuthorizerHandler } from '../../lambdas/authorizer/handler';
import { SdkDynamoTransport } from '../../lambdas/keys/sdk-dynamo-transport';
import { KeyService } from '../../lambdas/keys/key-service';
import { LOCAL_GRANTS_TABLE_NAME } from '../../lambdas/oauth/grants-schema';
import { createOAuthHandler } from '../../lambdas/oauth/handler';
import { handler as mcpHandler } from '../../lambdas/mcp/handler';
import { evaluatePolicy } from '../../local/iam';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import { loadEvent } from '../helpers/events';

/**
 * Every fixture in events/ runs through the real handler it is for, so `sam local invoke`
 * users start from events known to work.
 */
const fixtures = readdirSync(join(__dirname, '..', '..', 'events')).filter((f) => f.endsWith('.json'));

describe('events/ fixtures', () => {
  let dynamo: EmbeddedDynamo;
  let keys: KeyService;
  let authorizerHandler: AuthorizerHandler;
  let stdout: jest.SpyInstance;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    keys = new KeyService({ store: dynamo.store, servers });
    // The handler a Lambda container builds from its environment, as `sam local invoke` sets it.
    authorizerHandler = authorizerHandlerFromEnv({
      KEYS_TABLE_NAME: dynamo.tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AUTH_CACHE_TTL_SECONDS: '0',
    });
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterAll(async () => {
    await authorizerHandler.core.settle();
    stdout.mockRestore();
    await dynamo.stop();
  });

  it('cover the authorizer in both payload versions for every mode, and the MCP handler', () => {
    for (const version of ['v1', 'v2']) {
      for (const mode of ['public', 'apikey', 'passthrough'])
        expect(fixtures).toContain(`authorizer-${version}-${mode}.json`);
    }
    for (const name of [
      'mcp-initialize.json',
      'mcp-tools-list.json',
      'mcp-tools-call.json',
      'mcp-http-api-tools-call.json',
    ]) {
      expect(fixtures).toContain(name);
    }
  });

  describe.each(fixtures.filter((f) => f.startsWith('authorizer-')))('%s', (name) => {
    const event = () => loadEvent<Record<string, unknown> & { headers: Record<string, string> }>(name);
    const keyHeader = (headers: Record<string, string>) =>
      Object.keys(headers).find((h) => h.toLowerCase() === (name.includes('oauth') ? 'authorization' : 'x-api-key'));
    const server = name.includes('public')
      ? 'demo-public'
      : name.includes('apikey')
        ? 'demo-apikey'
        : name.includes('oauth')
          ? 'demo-oauth'
          : 'demo-passthrough';
    // An oauth server's credential is `Authorization: Bearer <key or token>`.
    const credential = (apiKey: string) => (server === 'demo-oauth' ? `Bearer ${apiKey}` : apiKey);

    it('is refused as it stands (its credential is a placeholder, or there is none)', async () => {
      await expect(authorizerHandler(event() as never)).rejects.toThrow(/^Unauthorized$/);
    });

    if (server !== 'demo-public') {
      it(`is allowed for ${server} once its credential is a real key of that server`, async () => {
        const { apiKey, record } = await keys.create({ server });
        const e = event();
        e.headers[keyHeader(e.headers)!] = credential(apiKey);
        const multi = e.multiValueHeaders as Record<string, string[]> | undefined;
        if (multi) multi[keyHeader(multi as never)!] = [credential(apiKey)];

        const result = await authorizerHandler(e as never);

        expect(evaluatePolicy(result.policyDocument, (e.methodArn ?? e.routeArn) as string)).toBe('allow');
        expect(result.context).toMatchObject({ server, keyId: record.keyId });
      });
    }
  });

  describe.each(fixtures.filter((f) => f.startsWith('oauth-')))('%s', (name) => {
    it('is answered by the authorization server, not refused as an unknown path', async () => {
      const handle = createOAuthHandler({
        issuer: 'https://mcp.example.com',
        servers,
        keyStore: dynamo.store,
        grants: { transport: new SdkDynamoTransport(dynamo.client), tableName: LOCAL_GRANTS_TABLE_NAME },
        cookieKeys: ['k'.repeat(32)],
      });
      const result = await handle(loadEvent(name) as never);
      expect(result.statusCode).not.toBe(404);
      expect(result.statusCode).toBeLessThan(500);
    });
  });

  describe.each(fixtures.filter((f) => f.startsWith('mcp-')))('%s', (name) => {
    it('gets a JSON-RPC result from the MCP handler', async () => {
      const result = await mcpHandler(loadEvent(name) as never);
      expect(result.statusCode).toBe(200);
      const body = JSON.parse(result.body!);
      expect(body).toMatchObject({ jsonrpc: '2.0', result: expect.any(Object) });
      expect(body.error).toBeUndefined();
    });
  });
});
