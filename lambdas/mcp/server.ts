import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { ResolvedServer } from '../../config/types';
import { version } from '../../package.json';
import { createLogger } from '../shared/logger';
import { buildToolDefinitions } from './tools/registry';
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

const defaultTools = new WeakMap<ResolvedServer, readonly ToolDefinition[]>();

/** The server's tool definitions built from `process.env`, once per container. */
function toolsFor(server: ResolvedServer): readonly ToolDefinition[] {
  let tools = defaultTools.get(server);
  if (!tools) {
    tools = buildToolDefinitions(server, { env: process.env, logger: createLogger('mcp') });
    defaultTools.set(server, tools);
  }
  return tools;
}

/**
 * An MCP server for one configured server and one request: cheap, because the tool
 * definitions (`tools`, built once per container) are only registered here. It knows
 * nothing of transports or authentication; `ctx` carries what tools may know about the caller.
 */
export function createMcpServer(
  server: ResolvedServer,
  ctx: RequestContext,
  tools: readonly ToolDefinition[] = toolsFor(server),
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
      tool.run(args, { ...ctx, signal: extra.signal }),
    );
  }
  return mcp;
}
