import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** An initialized official SDK client for `url`, sending `headers` on every request. */
export async function connectClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'mcp-gate-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** The text of a tool result's single text block (fails the test on any other shape). */
export function textOf(result: unknown): string {
  const { content } = result as CallToolResult;
  if (content.length !== 1 || content[0].type !== 'text')
    throw new Error(`expected one text block, got ${JSON.stringify(content)}`);
  return content[0].text;
}
