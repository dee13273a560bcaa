/**
 * Memory of the functions the stacks deploy, in MB. Lambda gives CPU in proportion to memory
 * (one vCPU at 1,769 MB), so this sets their speed as well as their price; the benchmarks' cost
 * model (bench/) reads it from here. Data only: no aws-cdk-lib, so the benchmarks load it cheaply.
 *
 * A cold start is CPU-bound and scales with the CPU share; a steady-state call needs well under
 * a millisecond of CPU and bills in 1 ms steps. So the sizes are where a call still bills the
 * fewest GB-ms while a cold start gets as much CPU as that allows (BENCHMARKS.md, parts 4 and 5).
 */
export const FUNCTION_MEMORY_MB = {
  /**
   * The key authorizer: one digest, one cached or DynamoDB lookup, one policy per call. A cache
   * hit bills 1 ms at any size, and it runs on a small share of requests; 512 MB halves its cold
   * start against 256 MB for a fraction of a cent per million calls.
   */
  authorizer: 512,
  /**
   * Each MCP server's handler: JSON-RPC parsing, schema validation, tool calls. It loads the MCP
   * SDK at a cold start; at 1,024 MB a tools/call bills 1 ms, at 512 MB 2 ms: the same GB-s per
   * call, and half the cold start.
   */
  mcp: 1024,
  /** The authorization server of `oauth` servers (oidc-provider): only the connect flow calls it. */
  oauth: 512,
} as const;
