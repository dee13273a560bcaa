/**
 * A helper process for part 2: one variant (argv[2]) of the tools/call measurement, in a
 * process of its own so that its JIT state and garbage are its own. Answers
 * `{"ms": N}` on stdin with `{"perSecond": X}` after calling the variant, one call at a
 * time, for N ms.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { servers } from '../config/servers';
import { createLogger } from '../lambdas/shared/logger';
import { serveRequests } from './child';
import { MCP_VARIANTS, type McpVariant } from './mcp';
import { opsPerSecond } from './stats';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const event = JSON.parse(
  readFileSync(join(__dirname, '..', 'events', 'mcp-tools-call.json'), 'utf8'),
) as APIGatewayProxyEvent;
const expected = (JSON.parse(event.body!) as { params: { arguments: { text: string } } }).params.arguments.text;
const logger = createLogger('mcp', { sink: () => {} });

function request(): Request {
  return new Request('https://abcd123456.execute-api.eu-west-1.amazonaws.com/demo-apikey/mcp', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
    body: event.body,
  });
}

/**
 * One tools/call of the variant; resolves with the response body. Each variant loads only its
 * own modules: the handler's settings (lambdas/mcp/zod-config.ts) are the handler's, not the
 * bare SDK server's.
 */
async function operation(variant: McpVariant): Promise<() => Promise<string>> {
  const fromEvent = (handler: Handler) => async () => {
    const result = await handler(event);
    if (result.statusCode !== 200) throw new Error(`status ${result.statusCode}: ${result.body}`);
    return result.body;
  };
  const fromRequest = (handle: () => Promise<{ status: number; text(): Promise<string> }>) => async () => {
    const response = await handle();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    return response.text();
  };
  const bare = () => import('./bare-sdk-server.js');
  switch (variant) {
    case 'handler': {
      const { createHandler } = await import('../lambdas/mcp/handler.js');
      return fromEvent(createHandler({ env: {}, logger }) as Handler);
    }
    case 'bare': {
      const { bareLambdaHandler, createBareServer } = await bare();
      return fromEvent(bareLambdaHandler(createBareServer()));
    }
    case 'bare-shared': {
      const { bareLambdaHandler, createBareServer } = await bare();
      return fromEvent(bareLambdaHandler(createBareServer({ sharedValidator: true })));
    }
    case 'core': {
      const { createMcpCore } = await import('../lambdas/mcp/core.js');
      const core = createMcpCore({ env: {}, logger });
      const invocation = { server: servers.find((s) => s.name === 'demo-apikey')!, keyId: 'key_3f9a1c0d7e2b4a68' };
      return fromRequest(() => core.handle(request(), invocation));
    }
    case 'bare-shared-core': {
      const server = (await bare()).createBareServer({ sharedValidator: true });
      return fromRequest(() => server(request()));
    }
  }
}

async function main(): Promise<void> {
  const variant = process.argv[2] as McpVariant;
  if (!MCP_VARIANTS.includes(variant)) throw new Error(`unknown variant ${variant}`);
  const op = await operation(variant);
  const body = JSON.parse(await op()) as { result?: { content?: { text?: string }[] } };
  if (body.result?.content?.[0]?.text !== expected) throw new Error(`unexpected answer from ${variant}`);
  process.stdout.write(JSON.stringify({ variant, pid: process.pid }) + '\n');
  serveRequests(async (message) => ({ perSecond: await opsPerSecond(op, (message as { ms: number }).ms, 8) }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
