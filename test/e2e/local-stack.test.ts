import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { serverUrl } from '../../config/client-config';
import { servers as configuredServers } from '../../config/servers';
import { ConfigError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';
import { GATEWAY_RESPONSES } from '../../lib/gateway-responses';
import { API_TYPES } from '../../lib/api-type';
import { HTTP_API_ANSWERS } from '../../local/http-api-gateway';
import type { LocalStack } from '../../local/stack';
import { startTestStack, withLocalGateway } from '../helpers/local-stack';

const TTL_SECONDS = 1;
const TOKEN = 'Bearer e2e-downstream-token.abc~+/=';

/**
 * What differs between the two API types: the gateway's own answers. A REST API sends the
 * stack's gateway responses (JSON-RPC bodies); an HTTP API has none and sends its own.
 */
const EXPECTED = {
  rest: {
    noRoute: { status: 403, body: '{"message":"Missing Authentication Token"}' },
    unauthorized: GATEWAY_RESPONSES.UNAUTHORIZED.body,
    forbidden: (body: unknown) =>
      expect(body).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringMatching(/^Forbidden/) } }),
    authorizerFailure: GATEWAY_RESPONSES.AUTHORIZER_FAILURE.body,
  },
  http: {
    noRoute: { status: 404, body: HTTP_API_ANSWERS.NOT_FOUND.body },
    unauthorized: HTTP_API_ANSWERS.UNAUTHORIZED.body,
    forbidden: (body: unknown) => expect(body).toEqual({ message: 'Forbidden' }),
    authorizerFailure: HTTP_API_ANSWERS.INTERNAL.body,
  },
} as const;

// The same scenarios on both API types (`API_TYPE=rest|http npm start`).
describe.each(API_TYPES)('API_TYPE=%s', (apiType) => {
  const expected = EXPECTED[apiType];
  let stack: LocalStack;
  const logLines: string[] = [];
  /** How far the stack's clock runs ahead of the real one: tests move it instead of waiting. */
  let clockOffsetMs = 0;

  beforeAll(async () => {
    stack = await startTestStack({
      apiType,
      cacheTtlSeconds: TTL_SECONDS,
      clock: () => Date.now() + clockOffsetMs,
      logger: createLogger('local-gateway', { sink: (line) => logLines.push(line) }),
    });
  });

  const downstreamUrl = process.env.DOWNSTREAM_URL;
  afterAll(async () => {
    await stack.close();
    // The stack set DOWNSTREAM_URL to its own downstream API, which is gone now: the next stack sets its own.
    if (downstreamUrl === undefined) delete process.env.DOWNSTREAM_URL;
    else process.env.DOWNSTREAM_URL = downstreamUrl;
  });

  async function connect(server: string, headers: Record<string, string> = {}): Promise<Client> {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(serverUrl(stack.baseUrl, server)), { requestInit: { headers } }),
    );
    return client;
  }

  /** The HTTP status an MCP client sees when connecting fails. */
  async function connectStatus(server: string, headers: Record<string, string> = {}): Promise<number> {
    try {
      const client = await connect(server, headers);
      await client.close();
      return 200;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  function textOf(result: unknown): string {
    return (result as { content: { type: string; text: string }[] }).content[0].text;
  }

  describe('npm start: every demo server through the official MCP client', () => {
    it('demo-public works with no headers', async () => {
      const client = await connect('demo-public');
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name).sort()).toEqual(['echo', 'whoami']);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hi there' } }))).toBe('hi there');
      expect(JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })))).toEqual({
        server: 'demo-public',
        authMode: 'none',
        keyId: null,
        authorizationReceived: false,
      });
      await client.close();
    });

    describe('demo-apikey', () => {
      it('401 without a key, with an unknown, a revoked or an expired key', async () => {
        const revoked = await stack.keys.create({ server: 'demo-apikey' });
        await stack.keys.revoke(revoked.record.keyId);
        const expiring = await stack.keys.create({ server: 'demo-apikey', expiresInSeconds: 1 });
        clockOffsetMs += 1100;

        expect(await connectStatus('demo-apikey')).toBe(401);
        expect(await connectStatus('demo-apikey', { 'x-api-key': 'mcpg_' + 'U'.repeat(32) })).toBe(401);
        expect(await connectStatus('demo-apikey', { 'x-api-key': 'not even a key' })).toBe(401);
        expect(await connectStatus('demo-apikey', { 'x-api-key': revoked.apiKey })).toBe(401);
        expect(await connectStatus('demo-apikey', { 'x-api-key': expiring.apiKey })).toBe(401);
      });

      it("403 with another server's key, also while the cache holds that key's policy", async () => {
        const other = await stack.keys.create({ server: 'demo-passthrough' });
        const headers = { 'x-api-key': other.apiKey, Authorization: TOKEN };
        expect(await connectStatus('demo-passthrough', headers)).toBe(200);
        expect(await connectStatus('demo-apikey', headers)).toBe(403);
        expect(await connectStatus('demo-apikey', { 'x-api-key': other.apiKey })).toBe(403);
      });

      it('succeeds with its own key; whoami shows its keyId', async () => {
        const { apiKey, record } = await stack.keys.create({ server: 'demo-apikey' });
        const client = await connect('demo-apikey', { 'x-api-key': apiKey });
        expect(JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })))).toEqual({
          server: 'demo-apikey',
          authMode: 'apiKey',
          keyId: record.keyId,
          authorizationReceived: false,
        });
        await client.close();
      });

      it('stops a revoked key within AUTH_CACHE_TTL_SECONDS', async () => {
        const { apiKey, record } = await stack.keys.create({ server: 'demo-apikey' });
        expect(await connectStatus('demo-apikey', { 'x-api-key': apiKey })).toBe(200);

        await stack.keys.revoke(record.keyId);
        clockOffsetMs += TTL_SECONDS * 1000 + 50;

        expect(await connectStatus('demo-apikey', { 'x-api-key': apiKey })).toBe(401);
      });
    });

    describe('demo-passthrough', () => {
      it('401 without Authorization, even with a valid key', async () => {
        const { apiKey } = await stack.keys.create({ server: 'demo-passthrough' });
        expect(await connectStatus('demo-passthrough', { 'x-api-key': apiKey })).toBe(401);
        expect(await connectStatus('demo-passthrough', { 'x-api-key': apiKey, Authorization: '   ' })).toBe(401);
      });

      it('call_downstream shows the exact Authorization value that arrived downstream', async () => {
        const { apiKey, record } = await stack.keys.create({ server: 'demo-passthrough' });
        const client = await connect('demo-passthrough', { 'x-api-key': apiKey, Authorization: TOKEN });
        const result = await client.callTool({ name: 'call_downstream', arguments: {} });
        expect(JSON.parse(textOf(result))).toEqual({ authorization: TOKEN });
        expect(JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({
          keyId: record.keyId,
          authorizationReceived: true,
        });
        await client.close();
      });
    });
  });

  describe('npm start: API Gateway behaviour', () => {
    const post = (path: string, headers: Record<string, string> = {}, body = '{}') =>
      fetch(stack.baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body,
      });

    it.each([
      ['GET', '/nowhere'],
      ['POST', '/demo-public'],
      ['PUT', '/demo-public/mcp'],
      ['PATCH', '/demo-apikey/mcp'],
    ])(`%s %s → ${expected.noRoute.status} (undefined route)`, async (method, path) => {
      const res = await fetch(stack.baseUrl + path, { method });
      expect(res.status).toBe(expected.noRoute.status);
      expect(await res.text()).toBe(expected.noRoute.body);
    });

    it('GET and DELETE on /mcp reach the handler and get its 405', async () => {
      const { apiKey } = await stack.keys.create({ server: 'demo-apikey' });
      for (const method of ['GET', 'DELETE']) {
        expect((await fetch(serverUrl(stack.baseUrl, 'demo-public'), { method })).status).toBe(405);
        expect(
          (await fetch(serverUrl(stack.baseUrl, 'demo-apikey'), { method, headers: { 'x-api-key': apiKey } })).status,
        ).toBe(405);
      }
    });

    it('answers 401 with its own body when the identity source is missing', async () => {
      const res = await post('/demo-apikey/mcp');
      expect(res.status).toBe(401);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
      expect(await res.text()).toBe(expected.unauthorized);
    });

    it('answers 403 with its own body for a key of another server', async () => {
      const { apiKey } = await stack.keys.create({ server: 'demo-apikey' });
      const res = await post('/demo-passthrough/mcp', { 'x-api-key': apiKey, authorization: TOKEN });
      expect(res.status).toBe(403);
      expected.forbidden(JSON.parse(await res.text()));
    });

    it('rejects a body over 10 MB with 413 before any authorizer or handler runs', async () => {
      const res = await post('/demo-public/mcp', {}, 'x'.repeat(10 * 1024 * 1024 + 1));
      expect(res.status).toBe(413);
    });

    it('fails closed with 500 when the key store is down, for keys not already cached, and recovers', async () => {
      const cached = await stack.keys.create({ server: 'demo-apikey' });
      expect(await connectStatus('demo-apikey', { 'x-api-key': cached.apiKey })).toBe(200);
      const fresh = await stack.keys.create({ server: 'demo-apikey' });

      await stack.stopDynamo();
      try {
        const res = await post('/demo-apikey/mcp', { 'x-api-key': fresh.apiKey });
        expect(res.status).toBe(500);
        expect(await res.text()).toBe(expected.authorizerFailure);
      } finally {
        await stack.startDynamo();
      }
      const again = await stack.keys.create({ server: 'demo-apikey' });
      expect(await connectStatus('demo-apikey', { 'x-api-key': again.apiKey })).toBe(200);
    });

    it('a port in use gets an error naming the variable to change', async () => {
      const port = Number(new URL(stack.baseUrl).port);
      await expect(startTestStack({ port })).rejects.toThrow(ConfigError);
      await expect(startTestStack({ port })).rejects.toThrow(/set PORT/);
    });
  });
});

describe('local gateway when the authorizer cannot be loaded', () => {
  it('answers 500 for keyed servers and never calls the handler; public servers still work', async () => {
    let handlerCalls = 0;
    await withLocalGateway(
      {
        servers: configuredServers,
        cacheTtlSeconds: 60,
        loadAuthorizer: () => Promise.reject(new Error('Cannot find module authorizer')),
        integration: async () => {
          handlerCalls++;
          return { statusCode: 200, body: 'ok' };
        },
      },
      async (base) => {
        const keyed = await fetch(`${base}/demo-apikey/mcp`, {
          method: 'POST',
          headers: { 'x-api-key': 'mcpg_' + 'A'.repeat(32) },
        });
        expect(keyed.status).toBe(500);
        expect(handlerCalls).toBe(0);
        const open = await fetch(`${base}/demo-public/mcp`, { method: 'POST' });
        expect(open.status).toBe(200);
        expect(handlerCalls).toBe(1);
      },
    );
  });
});

describe("local gateway with API Gateway's default responses", () => {
  const policyAuthorizer = (effect: 'Allow' | 'Deny') => async () => async (event: { methodArn: string }) => ({
    principalId: 'p',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: [event.methodArn] }],
    },
    context: { server: 'demo-apikey', keyId: 'key_0000000000000000', authMode: 'apiKey', n: 7, ok: true },
  });

  async function withGateway(
    loadAuthorizer: () => Promise<unknown>,
    run: (base: string, seen: Record<string, unknown>[]) => Promise<void>,
  ): Promise<void> {
    const seen: Record<string, unknown>[] = [];
    await withLocalGateway(
      {
        servers: configuredServers,
        cacheTtlSeconds: 60,
        loadAuthorizer: loadAuthorizer as never,
        integration: async (event) => {
          seen.push(event.requestContext.authorizer as Record<string, unknown>);
          return { statusCode: 200, body: 'ok' };
        },
      },
      (base) => run(base, seen),
    );
  }

  it('an explicit Deny wins with its own 403 body', async () => {
    await withGateway(policyAuthorizer('Deny'), async (base) => {
      const res = await fetch(`${base}/demo-apikey/mcp`, { method: 'POST', headers: { 'x-api-key': 'k' } });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        Message: 'User is not authorized to access this resource with an explicit deny',
      });
    });
  });

  it('hands the integration the principal and the context values as strings', async () => {
    await withGateway(policyAuthorizer('Allow'), async (base, seen) => {
      const res = await fetch(`${base}/demo-apikey/mcp`, { method: 'POST', headers: { 'x-api-key': 'k' } });
      expect(res.status).toBe(200);
      expect(seen[0]).toEqual({
        principalId: 'p',
        server: 'demo-apikey',
        keyId: 'key_0000000000000000',
        authMode: 'apiKey',
        n: '7',
        ok: 'true',
      });
    });
  });

  it('re-evaluates a cached policy against each new method ARN', async () => {
    let calls = 0;
    const once = async () => async (event: { methodArn: string }) => {
      calls++;
      return await (
        await policyAuthorizer('Allow')()
      )(event);
    };
    await withGateway(once, async (base) => {
      expect((await fetch(`${base}/demo-apikey/mcp`, { method: 'POST', headers: { 'x-api-key': 'k' } })).status).toBe(
        200,
      );
      // Same identity, other route: the cached policy names only the first method ARN.
      expect((await fetch(`${base}/demo-apikey/mcp`, { method: 'DELETE', headers: { 'x-api-key': 'k' } })).status).toBe(
        403,
      );
      expect(calls).toBe(1);
    });
  });

  it('answers 401 {"message":"Unauthorized"} for a thrown Unauthorized and 500 for a malformed result', async () => {
    await withGateway(
      async () => async () => {
        throw new Error('Unauthorized');
      },
      async (base) => {
        const res = await fetch(`${base}/demo-apikey/mcp`, { method: 'POST', headers: { 'x-api-key': 'k' } });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ message: 'Unauthorized' });
      },
    );
    await withGateway(
      async () => async () => ({ principalId: 'p' }),
      async (base) => {
        expect((await fetch(`${base}/demo-apikey/mcp`, { method: 'POST', headers: { 'x-api-key': 'k' } })).status).toBe(
          500,
        );
      },
    );
  });
});
