import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openApiSourcesOf, withCompiledSources, type CompiledSources } from '../../config/openapi/source';
import type { ResolvedServer } from '../../config/types';

/**
 * The file the stack bundles next to a server's handler when the server has OpenAPI sources:
 * `{ server, sources }`, the tools compiled at synth time (lib/mcp-server-function.ts). The
 * function reads it once at start; it never parses an OpenAPI document.
 */
export const COMPILED_TOOLS_FILE = 'compiled-tools.json';

export interface CompiledToolsFile {
  readonly server: string;
  readonly sources: CompiledSources;
}

/**
 * `servers` with the bundled compiled tools in place of the OpenAPI sources of the server
 * they were compiled for. Without the file (local stack, tests) the servers are returned as
 * given: those pass servers compiled already.
 */
export function withBundledCompiledTools(
  servers: readonly ResolvedServer[],
  dir: string = __dirname,
): readonly ResolvedServer[] {
  const file = path.join(dir, COMPILED_TOOLS_FILE);
  if (!servers.some((server) => openApiSourcesOf(server).length > 0) || !existsSync(file)) return servers;
  const bundled = JSON.parse(readFileSync(file, 'utf8')) as CompiledToolsFile;
  return servers.map((server) =>
    server.name === bundled.server ? withCompiledSources(server, bundled.sources) : server,
  );
}
