/**
 * The names of the TypeScript function tools a server's `tools` list may use. Data only, so
 * the configuration check at load knows them without loading the tools; the registry in
 * lambdas/mcp/tools/registry.ts must implement exactly these (the compiler checks it).
 */
export const FUNCTION_TOOL_NAMES = ['echo', 'whoami'] as const;

export type FunctionToolName = (typeof FUNCTION_TOOL_NAMES)[number];

/** Whether `name` names a function tool. */
export function isFunctionToolName(name: string): name is FunctionToolName {
  return (FUNCTION_TOOL_NAMES as readonly string[]).includes(name);
}
