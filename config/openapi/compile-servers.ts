/**
 * Compiles the OpenAPI sources of servers (synth and `npm start` only). CDK constructs are
 * built synchronously and the parser is asynchronous, so the synth path runs the compiler in
 * a child process (compile-cli.ts) and waits for it; `npm start` awaits it directly.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import type { ServerConfig, OpenApiToolsConfig, HttpToolConfig } from '../types';
import { resolveServers } from '../validate';
import { compileOpenApiSource } from './compile';
import { openApiSourcesOf, withCompiledSources, type CompiledSources } from './source';

/** The repository root: documents are named relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface CompiledServerSources {
  readonly compiled: CompiledSources;
  readonly warnings: readonly string[];
}

/** Compiles the given sources, in order. Throws `ConfigError` naming the first problem. */
export async function compileSources(
  sources: readonly OpenApiToolsConfig[],
  root = PROJECT_ROOT,
): Promise<CompiledServerSources> {
  const compiled: HttpToolConfig[][] = [];
  const warnings: string[] = [];
  for (const source of sources) {
    const result = await compileOpenApiSource(source, root);
    compiled.push(result.tools);
    warnings.push(...result.warnings);
  }
  return { compiled, warnings };
}

/**
 * The servers with every OpenAPI source replaced by its tools, validated again as a whole
 * (tool names unique within each server), and the compiler's warnings.
 */
export async function compileServers<T extends ServerConfig>(
  servers: readonly T[],
  root = PROJECT_ROOT,
): Promise<{ readonly servers: readonly T[]; readonly warnings: readonly string[] }> {
  const expanded: T[] = [];
  const warnings: string[] = [];
  for (const server of servers) {
    const result = await compileSources(openApiSourcesOf(server), root);
    warnings.push(...result.warnings);
    expanded.push(withCompiledSources(server, result.compiled));
  }
  resolveServers(expanded);
  return { servers: expanded, warnings };
}

const memo = new Map<string, CompiledServerSources>();

/** {@link compileSources}, synchronously (in a child process), remembered per input for the process. */
export function compileSourcesSync(sources: readonly OpenApiToolsConfig[], root = PROJECT_ROOT): CompiledServerSources {
  if (sources.length === 0) return { compiled: [], warnings: [] };
  const input = JSON.stringify({ root, sources });
  const known = memo.get(input);
  if (known) return known;
  let output: string;
  try {
    output = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'compile-cli.ts')], {
      cwd: PROJECT_ROOT,
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new ConfigError(stderr.split('\n').at(-1) || 'the OpenAPI compiler failed', { cause: error });
  }
  const result = JSON.parse(output) as CompiledServerSources;
  memo.set(input, result);
  return result;
}

/** Whether the server lists an OpenAPI source. */
export function hasOpenApiSources(server: ServerConfig): boolean {
  return openApiSourcesOf(server).length > 0;
}
