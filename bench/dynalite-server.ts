/**
 * A helper process for `npm run bench`: an in-memory dynalite on a free 127.0.0.1 port with
 * the keys tables the benchmark names in BENCH_TABLES (comma-separated). Prints
 * `{"endpoint": …}` once ready and runs until it is sent SIGTERM. Running it apart from the
 * measuring process keeps dynalite's own CPU off the authorizer's event loop (2 cores).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDocumentClient } from '../lambdas/keys/dynamo-client';
import { ensureKeysTable } from '../lambdas/keys/dynamo-key-store';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

async function main(): Promise<void> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createDocumentClient({ endpoint });
  for (const table of (process.env.BENCH_TABLES ?? 'bench-keys').split(',')) {
    await ensureKeysTable(client, table);
  }
  process.stdout.write(JSON.stringify({ endpoint }) + '\n');
  const stop = () => {
    server.close(() => process.exit(0));
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent holds stdin open; if it goes away without stopping this helper, stop anyway.
  process.stdin.once('end', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
