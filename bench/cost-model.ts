/**
 * Part 5: a cost model on paper. Dollars per million tools/call for each auth mode, from the
 * durations measured by parts 1 and 2, assumed memory sizes and AWS's published prices
 * (us-east-1), and how it changes with the authorizer cache TTL. Prices are constants with
 * their sources; `verified` says whether the figure was read on the provider's own page.
 */

import type { ApiType } from '../lib/api-type';

export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  /** How the figure was checked, and whether it could be verified on the provider's page. */
  readonly note: string;
  readonly verified: boolean;
}

/** Looked up on 2026-11-29 in stored copies of the pages named; none was fetched live. */
export const PRICES = {
  apiGatewayRest: {
    usd: 3.5,
    unit: 'per million REST API requests (first 333 million a month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    note: "the stored copy of AWS's page renders its rate table from price tokens; $3.50 is quoted from the page by a transcription dated 2026-05 (api-evangelist/aws-api-gateway, plans)",
    verified: false,
  },
  apiGatewayHttp: {
    usd: 1.0,
    unit: 'per million HTTP API requests (first 300 million a month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    note: "from the page's pricing example as transcribed 2026-09-20 (api-evangelist/amazon-web-services, plans)",
    verified: false,
  },
  lambdaRequest: {
    usd: 0.2,
    unit: 'per million Lambda requests',
    source: 'https://aws.amazon.com/lambda/pricing/',
    note: 'quoted by several transcriptions of the page (2025–2026); the stored copy of the page itself renders rates from tokens',
    verified: false,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'per GB-second, arm64 (first 7.5 billion GB-s a month)',
    source: 'https://aws.amazon.com/lambda/pricing/',
    note: 'quoted by transcriptions of the page (e.g. cloudchipr.com, 2025) and in artillery’s price table (1333340e-10); not read on the page itself',
    verified: false,
  },
  dynamoReadUnit: {
    usd: 0.125,
    unit: 'per million read request units, on-demand, Standard table class',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'the on-demand rate after the November 2024 50% reduction; NOT verified: the stored page shows no figures and one secondary source still quotes the earlier $0.25',
    verified: false,
  },
  dynamoWriteUnit: {
    usd: 0.625,
    unit: 'per million write request units, on-demand, Standard table class',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'as for reads: NOT verified (earlier rate $1.25)',
    verified: false,
  },
  agentCoreGatewayInvocation: {
    usd: 5.0,
    unit: 'per million Gateway API invocations (ListTools, InvokeTool, Ping: $0.005 per 1,000)',
    source: 'https://aws.amazon.com/bedrock/agentcore/pricing/',
    note: "the stored copies of AWS's page do not show the Gateway rates; $0.005 per 1,000 is given by AWS's own aws/agent-toolkit-for-aws (skills/agents-optimize/references/cost.md, “verify”), and by blog.serverworks.co.jp (read from the page on 2026-03-11) and dev.classmethod.jp (2026-01)",
    verified: false,
  },
} satisfies Record<string, Price>;

/** Lambda CPU is proportional to memory; 1,769 MB is one vCPU (AWS Lambda documentation). */
export const MB_PER_VCPU = 1769;

export interface CostInputs {
  /** mcp-gate handler: milliseconds of one tools/call on one core (part 2). */
  readonly handlerMs: number;
  /** Authorizer: milliseconds of one decision answered from its cache, as invoked (part 1). */
  readonly authorizerHitMs: number;
  /** Authorizer: milliseconds of one decision that reads DynamoDB (part 1, dynalite on loopback, p50). */
  readonly authorizerMissMs: number;
  /** Of which CPU in the authorizer's process (the rest is waiting for the table). */
  readonly authorizerMissCpuMs: number;
  readonly handlerMemoryMb: number;
  readonly authorizerMemoryMb: number;
}

/**
 * Billed milliseconds of an invocation that needs `msOnOneCore` of CPU on a full core: Lambda
 * gives a function `memoryMb / 1769` of a vCPU (at most 1 for one thread) and bills in 1 ms steps.
 * `waitMs` (I/O) is not scaled.
 */
export function billedMs(msOnOneCore: number, memoryMb: number, waitMs = 0): number {
  const share = Math.min(1, memoryMb / MB_PER_VCPU);
  return Math.max(1, Math.ceil(msOnOneCore / share + waitMs));
}

export function gbSecondsCost(billed: number, memoryMb: number): number {
  return (memoryMb / 1024) * (billed / 1000) * PRICES.lambdaArmGbSecond.usd;
}

/** Share of requests that reach the authorizer: one per key per TTL window, Poisson arrivals at `rate` per key per second. */
export function authorizerShare(ttlSeconds: number, ratePerKey: number): number {
  return 1 / (1 + ratePerKey * ttlSeconds);
}

/** Share of requests that write lastUsedAt: at most once a minute per key, and only when the authorizer runs. */
export function touchShare(ttlSeconds: number, ratePerKey: number): number {
  return 1 / (1 + ratePerKey * Math.max(ttlSeconds, 60));
}

export type Mode = 'none' | 'apiKey' | 'bearerPassthrough';

export interface CostBreakdown {
  readonly apiGateway: number;
  readonly handlerRequests: number;
  readonly handlerCompute: number;
  readonly authorizerRequests: number;
  readonly authorizerCompute: number;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
  readonly total: number;
  /** Share of requests that invoke the authorizer, and that read DynamoDB. */
  readonly authorizerShare: number;
  readonly readShare: number;
}

/** The target: `apiKey` behind an HTTP API at most this many dollars per million tools/call. */
export const HTTP_API_KEY_TARGET_USD = 1.5;

/**
 * Dollars per million tools/call behind a REST or an HTTP API (`apiType`). `rotatingBearer`: every request of a bearerPassthrough client
 * carries a new Authorization value, so API Gateway's cache (keyed by both headers) never hits;
 * the authorizer still answers from its own cache (keyed by the key alone) within the TTL.
 */
export function costPerMillion(
  mode: Mode,
  inputs: CostInputs,
  ttlSeconds: number,
  ratePerKey: number,
  rotatingBearer = false,
  apiType: ApiType = 'rest',
): CostBreakdown {
  const million = 1_000_000;
  const handlerBilled = billedMs(inputs.handlerMs, inputs.handlerMemoryMb);
  const base = {
    // Both bill every request, authorized or not; the authorizer's result cache changes neither.
    apiGateway: apiType === 'http' ? PRICES.apiGatewayHttp.usd : PRICES.apiGatewayRest.usd,
    handlerRequests: PRICES.lambdaRequest.usd,
    handlerCompute: gbSecondsCost(handlerBilled, inputs.handlerMemoryMb) * million,
  };
  if (mode === 'none') {
    const total = base.apiGateway + base.handlerRequests + base.handlerCompute;
    return {
      ...base,
      authorizerRequests: 0,
      authorizerCompute: 0,
      dynamoReads: 0,
      dynamoWrites: 0,
      total,
      authorizerShare: 0,
      readShare: 0,
    };
  }
  const cached = authorizerShare(ttlSeconds, ratePerKey);
  const invokeShare = rotatingBearer && ttlSeconds > 0 ? 1 : cached;
  // With stable credentials both caches expire together, so an invocation is a miss; a rotating bearer makes most invocations hits.
  const readShare = cached;
  const missShareOfInvocations = readShare / invokeShare;
  const hitBilled = billedMs(inputs.authorizerHitMs, inputs.authorizerMemoryMb);
  const missCpu = Math.min(inputs.authorizerMissCpuMs, inputs.authorizerMissMs);
  const missBilled = billedMs(missCpu, inputs.authorizerMemoryMb, inputs.authorizerMissMs - missCpu);
  const perInvocation =
    missShareOfInvocations * gbSecondsCost(missBilled, inputs.authorizerMemoryMb) +
    (1 - missShareOfInvocations) * gbSecondsCost(hitBilled, inputs.authorizerMemoryMb);
  const parts = {
    ...base,
    authorizerRequests: invokeShare * PRICES.lambdaRequest.usd,
    authorizerCompute: invokeShare * perInvocation * million,
    // GetItem, eventually consistent, item under 4 KB: half a read request unit.
    dynamoReads: readShare * 0.5 * PRICES.dynamoReadUnit.usd,
    // UpdateItem of lastUsedAt, item under 1 KB: one write request unit.
    dynamoWrites: touchShare(ttlSeconds, ratePerKey) * PRICES.dynamoWriteUnit.usd,
  };
  const total = Object.values(parts).reduce((sum, value) => sum + value, 0);
  return { ...parts, total, authorizerShare: invokeShare, readShare };
}
