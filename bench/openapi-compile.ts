/**
 * How long the OpenAPI compiler takes on a real document (`npm start` and `cdk synth` pay it,
 * the function never does). Usage: `npx tsx bench/openapi-compile.ts <document> [include…]`
 * (a large public API's document, not kept in the repository). It times loading (parse,
 * validate, dereference), then compiling every operation, then compiling the `include`
 * selectors given (default: the first tag's operations), and shows what happens without an
 * include list when the document has more than 40 operations.
 */
import { resolve } from 'node:path';
import { compileOpenApiDocument, loadOpenApiDocument } from '../config/openapi/compile';
import { HTTP_METHODS } from '../config/openapi/source';
import type { OpenApiToolsConfig } from '../config/types';

async function main(): Promise<void> {
  const [file, ...include] = process.argv.slice(2);
  if (!file) throw new Error('usage: npx tsx bench/openapi-compile.ts <document> [include…]');
  const t0 = performance.now();
  const document = await loadOpenApiDocument(resolve(file), file);
  const loadMs = performance.now() - t0;

  const operations: { id?: string; tags: string[] }[] = [];
  for (const pathItem of Object.values(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as { operationId?: string; tags?: string[] } | undefined;
      if (operation) operations.push({ id: operation.operationId, tags: operation.tags ?? [] });
    }
  }
  const source = (selection?: string[]): OpenApiToolsConfig => ({
    kind: 'openapi',
    document: file,
    baseUrl: 'https://api.example.com',
    ...(selection ? { include: selection } : {}),
  });
  const time = (selection?: string[]) => {
    const started = performance.now();
    try {
      const { tools, warnings } = compileOpenApiDocument(document, source(selection));
      return { ms: performance.now() - started, tools: tools.length, skipped: warnings.length, error: undefined };
    } catch (error) {
      return { ms: performance.now() - started, tools: 0, skipped: 0, error: (error as Error).message.slice(0, 160) };
    }
  };
  const firstTag = operations.find((operation) => operation.tags.length > 0)?.tags[0];
  const chosen = include.length > 0 ? include : firstTag ? [`tag:${firstTag}`] : [];
  const everything = [...new Set(operations.map((operation) => operation.id).filter((id): id is string => !!id))];

  const rows = [
    { case: 'no include list', ...time() },
    { case: `include: every operationId (${everything.length})`, ...time(everything) },
    { case: `include: ${chosen.join(', ')}`, ...time(chosen) },
  ];
  console.log(`${file}: ${operations.length} operations; load (parse, validate, dereference) ${loadMs.toFixed(0)} ms`);
  for (const row of rows) {
    const outcome = row.error ?? `${row.tools} tools, ${row.skipped} skipped`;
    console.log(`  ${row.case}: compile ${row.ms.toFixed(0)} ms → ${outcome}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
