import { createLogger } from './logger';
import type { ToolOutcome } from './metrics';

/** The MCP client as it named itself in `initialize` (`clientInfo`). */
export interface ClientInfo {
  readonly name: string;
  readonly version: string;
}

/**
 * One `tools/call`, as the audit line records it: who called which tool of which server and
 * how it ended. Never arguments, results or credentials.
 */
export interface ToolCallAudit {
  readonly requestId?: string;
  readonly server: string;
  /** The key id the authorizer matched; `public` on servers without keys. */
  readonly keyId: string;
  /** Present only when the same request carried `initialize` (stateless: see docs/observability.md). */
  readonly client?: ClientInfo;
  readonly tool: string;
  readonly outcome: ToolOutcome;
  readonly durationMs: number;
  /** The last downstream call's HTTP status, or `error` when it got no response; absent without one. */
  readonly downstreamStatus?: number | 'error';
}

/** Audit lines are written whatever LOG_LEVEL says: an audit trail is not a debugging aid. */
const auditLog = createLogger('mcp', { level: 'debug' });

/** Writes the audit line of one `tools/call` (`"audit": "tool-call"`, message `tool call`). */
export function auditToolCall(entry: ToolCallAudit): void {
  auditLog.info('tool call', { audit: 'tool-call', ...entry });
}

const MAX_CLIENT_FIELD = 64;

/** A client's self-description, cut and stripped of control characters; undefined without one. */
export function clientInfoOf(info: { name?: unknown; version?: unknown } | undefined): ClientInfo | undefined {
  if (!info || typeof info.name !== 'string') return undefined;
  const clean = (value: unknown) =>
    typeof value === 'string' ? [...value].filter(isPrintable).join('').slice(0, MAX_CLIENT_FIELD) : '';
  return { name: clean(info.name), version: clean(info.version) };
}

function isPrintable(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code >= 0x20 && code !== 0x7f;
}
