/**
 * Part 2: the MCP handler in-process. tools/call (`echo`) per second through mcp-gate's Lambda
 * handler next to a bare official-SDK stateless server running the same tool, both fed the
 * same API Gateway event (events/mcp-tools-call.json), one call at a time as a Lambda
 * container handles them. Each variant runs in a process of its own (bench/mcp-worker.ts),
 * warmed up first; the rounds alternate between the variants.
 */
import { join } from 'node:path';
import { startHelper, type Helper } from './child';
import { ratio, summarize, type Summary } from './stats';

/**
 * `handler`: mcp-gate's Lambda handler, event in, proxy result out. `bare`: the bare SDK server
 * with SDK defaults behind the smallest event adapter; `bare-shared`: the same with one JSON
 * Schema validator per process, as mcp-gate's factory does. `core`, `bare-shared-core`: below
 * the adapters, a web Request in and the response body out.
 */
export const MCP_VARIANTS = ['handler', 'bare', 'bare-shared', 'core', 'bare-shared-core'] as const;
export type McpVariant = (typeof MCP_VARIANTS)[number];

export interface McpBenchOptions {
  readonly rounds: number;
  readonly roundMs: number;
  readonly warmupMs: number;
}

export interface McpResults {
  /** tools/call per second of each variant. */
  readonly perSecond: Record<McpVariant, Summary>;
  readonly handlerVsBare: Summary;
  readonly handlerVsBareShared: Summary;
  readonly coreVsBareSharedCore: Summary;
}

export async function runMcpBench(options: McpBenchOptions, log: (line: string) => void): Promise<McpResults> {
  const workers = new Map<McpVariant, Helper<{ variant: string }>>();
  try {
    for (const variant of MCP_VARIANTS) {
      const worker = await startHelper<{ variant: string }>(join(__dirname, 'mcp-worker.ts'), { args: [variant] });
      workers.set(variant, worker);
      await worker.request({ ms: options.warmupMs });
    }
    log(`  ${MCP_VARIANTS.length} variants started and warmed up (${options.warmupMs / 1000} s each)`);
    const values = new Map<McpVariant, number[]>(MCP_VARIANTS.map((v) => [v, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (const variant of MCP_VARIANTS) {
        const answer = await workers
          .get(variant)!
          .request<{ perSecond?: number; error?: string }>({ ms: options.roundMs });
        if (answer.perSecond === undefined) throw new Error(`${variant}: ${answer.error}`);
        values.get(variant)!.push(answer.perSecond);
      }
    }
    const perSecond = Object.fromEntries(MCP_VARIANTS.map((v) => [v, summarize(values.get(v)!)])) as Record<
      McpVariant,
      Summary
    >;
    return {
      perSecond,
      handlerVsBare: ratio(perSecond.handler, perSecond.bare),
      handlerVsBareShared: ratio(perSecond.handler, perSecond['bare-shared']),
      coreVsBareSharedCore: ratio(perSecond.core, perSecond['bare-shared-core']),
    };
  } finally {
    await Promise.all([...workers.values()].map((worker) => worker.stop()));
  }
}
