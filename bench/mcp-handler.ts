/**
 * tools/call throughput: mcp-gate's Lambda `handler` (REST proxy event in, proxy result out,
 * in-process) against a bare official-SDK stateless server (McpServer + web-standard
 * Streamable HTTP transport per request, same echo tool, no adapter, no auth, no logging).
 * Sequential calls, as one Lambda container serves them. About 10 s in all.
 *
 * A third case gives the bare server one Ajv per process, as the handler does, so the
 * difference left is the handler's own work (event adapter, checks, context, access log).
 *
 *   npx tsx bench/mcp-handler.ts [secondsPerCase=3]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';

const SECONDS = Number(process.argv[2] ?? 3);
const WARMUP_MS = 500;
const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hello' } },
});
const EXPECTED = '{"result":{"content":[{"type":"text","text":"hello"}]},"jsonrpc":"2.0","id":1}';

const sharedValidator = new AjvJsonSchemaValidator();

async function bareSdk(options: { sharedAjv: boolean }): Promise<string> {
  const server = new McpServer(
    { name: 'bare', version: '1.0.0' },
    options.sharedAjv ? { jsonSchemaValidator: sharedValidator } : undefined,
  );
  server.registerTool('echo', { description: 'Echo', inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const response = await transport.handleRequest(
    new Request('https://bench.local/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: BODY,
    }),
  );
  const text = await response.text();
  await server.close();
  return text;
}

interface Stats {
  name: string;
  ops: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function measure(name: string, call: () => Promise<string>): Promise<Stats> {
  const check = await call();
  if (check !== EXPECTED) throw new Error(`${name} answered ${check}`);
  const warmupEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmupEnd) await call();

  const latencies: number[] = [];
  const start = performance.now();
  const end = start + SECONDS * 1000;
  for (let now = start; now < end;) {
    await call();
    const after = performance.now();
    latencies.push(after - now);
    now = after;
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { name, ops: latencies.length, perSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}

async function main(): Promise<void> {
  // The handler logs one access line per request at info; a benchmark measures the protocol, not stdout.
  process.env.LOG_LEVEL ??= 'warn';
  const { handler } = await import('../lambdas/mcp/handler.js');
  const event = JSON.parse(
    readFileSync(join(__dirname, '..', 'events', 'mcp-tools-call.json'), 'utf8'),
  ) as APIGatewayProxyEvent;
  event.body = BODY;

  const results = [
    await measure('bare SDK (McpServer + transport per request)', () => bareSdk({ sharedAjv: false })),
    await measure('bare SDK, one Ajv per process', () => bareSdk({ sharedAjv: true })),
    await measure('mcp-gate handler (REST event → proxy result)', async () => (await handler(event)).body),
  ];
  console.log(`node ${process.version}, ${SECONDS}s per case after ${WARMUP_MS}ms warm-up, sequential tools/call echo`);
  console.table(
    results.map((r) => ({
      case: r.name,
      calls: r.ops,
      'calls/s': Math.round(r.perSecond),
      'p50 ms': r.p50.toFixed(3),
      'p99 ms': r.p99.toFixed(3),
    })),
  );
  const ratio = (a: Stats, b: Stats): string => (a.perSecond / b.perSecond).toFixed(2);
  console.log(
    `handler / bare SDK: ${ratio(results[2], results[0])}x; handler / bare SDK with one Ajv: ${ratio(results[2], results[1])}x`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
