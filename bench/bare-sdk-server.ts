/**
 * The baseline of part 2: a bare stateless MCP server built with the official SDK the way its
 * stateless Streamable HTTP example builds one (a new server and transport per request, JSON
 * responses), serving the same `echo` tool as mcp-gate, behind the smallest API Gateway adapter.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { z } from 'zod';

export interface BareOptions {
  /**
   * Share one JSON Schema validator across requests, as mcp-gate's server factory does. The SDK
   * otherwise builds a new Ajv instance for every server it constructs.
   * @default false
   */
  readonly sharedValidator?: boolean;
}

export type BareRequestHandler = (request: Request) => Promise<Response>;

export function createBareServer(options: BareOptions = {}): BareRequestHandler {
  const validator = options.sharedValidator ? new AjvJsonSchemaValidator() : undefined;
  return async (request) => {
    const server = new McpServer(
      { name: 'bare', version: '1.0.0' },
      validator ? { jsonSchemaValidator: validator } : undefined,
    );
    server.registerTool(
      'echo',
      {
        description: 'Returns the given text unchanged.',
        inputSchema: { text: z.string().describe('Text to echo back.') },
      },
      async ({ text }) => ({ content: [{ type: 'text', text }] }),
    );
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      await server.close();
    }
  };
}

/** The smallest REST proxy event adapter: event → Request → bare server → proxy result. */
export function bareLambdaHandler(
  handle: BareRequestHandler,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
    const request = new Request(`https://${event.requestContext.domainName ?? 'localhost'}${event.path}`, {
      method: event.httpMethod,
      headers,
      body: event.body ?? undefined,
    });
    const response = await handle(request);
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      out[name] = value;
    });
    return { statusCode: response.status, headers: out, body: await response.text() };
  };
}
