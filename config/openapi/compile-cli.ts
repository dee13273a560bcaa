/**
 * Child-process entry of `compileSourcesSync`: reads `{ root, sources }` as JSON on stdin,
 * writes `{ compiled, warnings }` as JSON on stdout. A configuration problem is one line on
 * stderr and exit code 1.
 */
import { ConfigError } from '../errors';
import { compileSources } from './compile-servers';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const { root, sources } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  process.stdout.write(JSON.stringify(await compileSources(sources, root)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});
