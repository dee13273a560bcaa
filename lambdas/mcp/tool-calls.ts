import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { auditToolCall, clientInfoOf } from '../shared/audit';
import { emitMetrics, statusClassOf, type ToolOutcome } from '../shared/metrics';
import type { DownstreamFetch, ToolContext, ToolDefinition } from './tools/types';

/** Distinct downstream hosts kept as `DataSource` values per container; any further one is `other`. */
const MAX_DATA_SOURCES = 50;
const dataSources = new Set<string>();

/**
 * Runs one `tools/call` of `tool` and records it: the `ToolCalls` metric (by server, tool and
 * outcome, with its duration), one `DownstreamCalls` metric per downstream call the tool
 * makes through `ctx.fetch`, and the call's audit line. `client` answers the MCP client's
 * `clientInfo` when the request carried `initialize`.
 */
export async function runRecorded(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  ctx: ToolContext,
  client: () => { name?: unknown; version?: unknown } | undefined,
): Promise<CallToolResult> {
  const started = performance.now();
  let downstreamStatus: number | 'error' | undefined;
  const recordedFetch: DownstreamFetch = async (url, init) => {
    const callStarted = performance.now();
    const dimensions = { Server: ctx.server, DataSource: dataSourceOf(url) };
    const record = (status: number | undefined) => {
      downstreamStatus = status ?? 'error';
      emitMetrics(
        'downstreamCall',
        { ...dimensions, StatusClass: statusClassOf(status) },
        { DownstreamCalls: 1, DownstreamCallDuration: elapsedMs(callStarted) },
        { requestId: ctx.requestId },
      );
    };
    try {
      const response = await ctx.fetch(url, init);
      record(response.status);
      return response;
    } catch (error) {
      record(undefined);
      throw error;
    }
  };

  let outcome: ToolOutcome = 'failed';
  try {
    const result = await tool.run(args, { ...ctx, fetch: recordedFetch });
    outcome = ctx.signal.aborted ? 'cancelled' : result.isError ? 'tool-error' : 'success';
    return result;
  } finally {
    const durationMs = elapsedMs(started);
    emitMetrics(
      'toolCall',
      { Server: ctx.server, Tool: tool.name, Outcome: outcome },
      { ToolCalls: 1, ToolCallDuration: durationMs },
      { requestId: ctx.requestId },
    );
    auditToolCall({
      requestId: ctx.requestId,
      server: ctx.server,
      keyId: ctx.keyId ?? 'public',
      ...optional('client', clientInfoOf(client())),
      tool: tool.name,
      outcome,
      durationMs,
      ...optional('downstreamStatus', downstreamStatus),
    });
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function elapsedMs(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

/** The downstream host (`api.example.com`, `127.0.0.1:3001`): a dimension value of bounded count. */
function dataSourceOf(url: string | URL): string {
  let host: string;
  try {
    host = new URL(String(url)).host;
  } catch {
    return 'invalid-url';
  }
  if (dataSources.has(host)) return host;
  if (dataSources.size >= MAX_DATA_SOURCES) return 'other';
  dataSources.add(host);
  return host;
}
