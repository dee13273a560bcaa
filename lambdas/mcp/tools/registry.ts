import type { FunctionToolName } from '../../../config/function-tools';
import type { ResolvedServer } from '../../../config/types';
import { ConfigError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { Env } from '../config-values';
import type { SecretSource } from '../secrets';
import type { TokenCache } from './client-credentials';
import { echoTool } from './echo';
import { compileHttpTool } from './http-tool';
import type { FunctionTool, ToolDefinition, ToolInputSchema } from './types';
import { whoamiTool } from './whoami';

/**
 * Every TypeScript function tool, by the name a server's `tools` list uses. To add one, add
 * its name to config/function-tools.ts: the compiler then asks for it here.
 */
export const functionTools = {
  echo: echoTool,
  whoami: whoamiTool,
} satisfies Record<FunctionToolName, FunctionTool>;

export interface ToolBuildDeps {
  /** Where `{ env: NAME }` values are read. */
  readonly env: Env;
  readonly logger: Logger;
  /** Secret values for the tools' outbound auth. */
  readonly secrets?: SecretSource;
  /** OAuth client-credentials tokens of the tools' outbound auth. */
  readonly tokens?: TokenCache;
}

/**
 * The server's tools, ready to register: built once per container. Throws `ConfigError`
 * when a string names no function tool or an HTTP tool's templates are inconsistent
 * (both also refused at load by config/validate.ts).
 */
export function buildToolDefinitions(server: ResolvedServer, deps: ToolBuildDeps): readonly ToolDefinition[] {
  return server.tools.map((ref) => {
    if (typeof ref !== 'string' && ref.kind === 'openapi') {
      throw new ConfigError(
        `server "${server.name}": the OpenAPI source ${ref.document} was not compiled (the stack compiles it at synth, npm start at start)`,
      );
    }
    if (typeof ref !== 'string') return compileHttpTool(ref, deps);
    const tool: FunctionTool | undefined = Object.hasOwn(functionTools, ref)
      ? functionTools[ref as FunctionToolName]
      : undefined;
    if (!tool) {
      throw new ConfigError(
        `server "${server.name}": tool "${ref}" is not in lambdas/mcp/tools/registry.ts (known: ${Object.keys(functionTools).join(', ')})`,
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
