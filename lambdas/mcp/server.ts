import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { ResolvedServer } from '../../config/types';
import { version } from '../../package.json';
import { runRecorded } from './tool-calls';
import type { RequestContext, ToolDefinition } from './tools/types';

/**
 * The SDK builds a fresh Ajv instance (with formats) for every server it constructs unless
 * it is given one. It only serves elicitation, which these servers never use, so one
 * instance per container is built on first use instead of one per request.
 */
let sharedAjv: AjvJsonSchemaValidator | undefined;
const lazyValidator: jsonSchemaValidator = {
  getValidator: (schema) => (sharedAjv ??= new AjvJsonSchemaValidator()).getValidator(schema),
};

/**
 * An MCP server for one configured server and one request: cheap, because the tool
 * definitions (`tools`, built once per container) are only registered here. It knows
 * nothing of transports or authentication; `ctx` carries what tools may know about the caller.
 */
export function createMcpServer(
  server: ResolvedServer,
  ctx: RequestContext,
  tools: readonly ToolDefinition[],
): McpServer {
  const mcp = new McpServer(
    { name: server.name, version },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: server.description,
      jsonSchemaValidator: lazyValidator,
    },
  );
  for (const tool of tools) {
    mcp.registerTool(tool.name, { description: tool.description, inputSchema: tool.inputSchema }, (args, extra) =>
      runRecorded(tool, args, { ...ctx, signal: extra.signal }, () => mcp.server.getClientVersion()),
    );
  }
  // registerTool advertises tools.listChanged, which a stateless server can never send: no
  // stream outlives the request. Capabilities merge, so this overrides it.
  mcp.server.registerCapabilities({ tools: { listChanged: false } });
  return mcp;
}
