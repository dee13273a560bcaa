import type { ResolvedServer } from '../../../config/types';
import { ConfigError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { Env } from '../config-values';
import { echoTool } from './echo';
import { compileHttpTool } from './http-tool';
import type { FunctionTool, ToolDefinition, ToolInputSchema } from './types';
import { whoamiTool } from './whoami';

/** Every TypeScript function tool, by the name a server's `tools` list uses. Add new tools here. */
export const functionTools: ReadonlyMap<string, FunctionTool<ToolInputSchema>> = new Map(
  [echoTool, whoamiTool].map((tool) => [tool.name, tool as unknown as FunctionTool<ToolInputSchema>]),
);

export interface ToolBuildDeps {
  /** Where `{ env: NAME }` values are read. */
  readonly env: Env;
  readonly logger: Logger;
}

/**
 * The server's tools, ready to register: built once per container. Throws `ConfigError`
 * when a string names no function tool or an HTTP tool's templates are inconsistent.
 */
export function buildToolDefinitions(server: ResolvedServer, deps: ToolBuildDeps): readonly ToolDefinition[] {
  return server.tools.map((ref) => {
    if (typeof ref !== 'string') return compileHttpTool(ref, deps);
    const tool = functionTools.get(ref);
    if (!tool) {
      throw new ConfigError(
        `server "${server.name}": tool "${ref}" is not in lambdas/mcp/tools/registry.ts (known: ${[...functionTools.keys()].join(', ')})`,
      );
    }
    return fromFunctionTool(tool);
  });
}

function fromFunctionTool(tool: FunctionTool<ToolInputSchema>): ToolDefinition {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
    run: async (args, ctx) => tool.handler(args, ctx),
  };
}
