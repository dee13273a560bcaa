/**
 * Memory of the functions the stacks deploy, in MB. Lambda gives CPU in proportion to memory,
 * so this sets their speed as well as their price; the benchmarks' cost model (bench/) reads
 * it from here. Data only: no aws-cdk-lib, so the benchmarks load it cheaply.
 */
export const FUNCTION_MEMORY_MB = {
  /** The key authorizer: one digest, one cached or DynamoDB lookup, one policy per call. */
  authorizer: 256,
  /** Each MCP server's handler: JSON-RPC parsing, schema validation, tool calls. */
  mcp: 512,
  /** The authorization server of `oauth` servers (oidc-provider): only the connect flow calls it. */
  oauth: 512,
} as const;
