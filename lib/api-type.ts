/**
 * Which API Gateway API is in front of the servers: the stack's `-c mcp-gate:apiType=…` and
 * the local stack's `API_TYPE`. Data only: the local stack reads it without aws-cdk-lib.
 */
export const API_TYPES = ['rest', 'http'] as const;
export type ApiType = (typeof API_TYPES)[number];
