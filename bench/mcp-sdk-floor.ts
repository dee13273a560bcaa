/**
 * Part 4's floor for an MCP handler that keeps the official SDK: its `McpServer` with the `echo`
 * tool, the protocol's zod schemas (and Ajv, which the SDK's server imports), answering one
 * `tools/call` handed over the handler's in-memory transport with the handler's zod settings.
 * Nothing else of mcp-gate: no event adapter, transport checks, configuration, logs or metrics.
 */
import '../lambdas/mcp/zod-config';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import * as z from 'zod';
import { JsonResponseTransport } from '../lambdas/mcp/json-transport';

export async function handler(event: { body: string }): Promise<{ statusCode: number; body: string }> {
  const message = JSONRPCMessageSchema.parse(JSON.parse(event.body));
  const mcp = new McpServer(
    { name: 'floor', version: '1.0.0' },
    // As mcp-gate's factory: the validator (elicitation only) is built on first use, never here.
    { jsonSchemaValidator: { getValidator: (schema) => new AjvJsonSchemaValidator().getValidator(schema) } },
  );
  mcp.registerTool('echo', { description: 'Echoes the text back.', inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  const transport = new JsonResponseTransport();
  await mcp.connect(transport);
  const [answer] = await transport.exchange([message]);
  await mcp.close();
  return { statusCode: answer !== undefined && 'result' in answer ? 200 : 500, body: JSON.stringify(answer) };
}
