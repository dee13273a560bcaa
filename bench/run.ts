/**
 * `npm run bench`: every benchmark part in one run, then BENCHMARKS.md at the repository root.
 * Never part of `npm test`. Bounded in time (each part by construction, the whole run by a
 * watchdog); all traffic goes to 127.0.0.1. BENCH_QUICK=1 shortens every part (for trying the
 * harness, not for figures).
 */
// The AWS SDK warns once per process on Node < 22; Lambda runs Node 22, and the warning would
// land in every cold start measured here. Set before any SDK client exists; helpers inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { runAuthorizerBench } from './authorizer';
import { runColdStartBench } from './cold-start';
import { runGatewayBench } from './gateway';
import { runMcpBench } from './mcp';
import { renderReport, type Machine } from './report';
import { setLineOutput } from '../lambdas/shared/log-output';

// A loaded machine stretches every part; past this, something is stuck.
const WATCHDOG_MS = 10 * 60_000;

async function main(): Promise<void> {
  // The in-process parts build the functions' log lines, EMF records and audit lines as on Lambda,
  // but write them nowhere: this process's stdout is the bench's own progress log.
  setLineOutput(() => {});
  const quick = process.env.BENCH_QUICK === '1';
  const started = performance.now();
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 60_000} minutes; giving up`);
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();
  const log = (line: string) => console.log(line);
  const step = async <T>(title: string, run: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
    const t0 = performance.now();
    log(`${title}…`);
    const value = await run();
    const seconds = (performance.now() - t0) / 1000;
    log(`  done in ${seconds.toFixed(1)} s`);
    return { value, seconds };
  };

  const loadAtStart = loadavg();
  const rounds = quick ? 2 : 5;
  const authorizer = await step('1. authorizer in-process', () =>
    runAuthorizerBench(
      {
        rounds,
        roundMs: quick ? 200 : 500,
        manyKeys: quick ? 10_000 : 100_000,
        loadBudgetMs: 60_000,
        cachedKeys: quick ? 1_000 : 10_000,
      },
      log,
    ),
  );
  const mcp = await step('2. MCP handler in-process', () =>
    runMcpBench({ rounds: quick ? 2 : 9, roundMs: quick ? 300 : 500, warmupMs: quick ? 1000 : 2500 }, log),
  );
  const gatewayOptions = {
    rounds: quick ? 2 : 7,
    roundSeconds: quick ? 1 : 1.5,
    warmupSeconds: quick ? 1 : 2,
    connections: 8,
    profileSeconds: 2,
  };
  const gateway = await step('3. local gateway over loopback', async () => ({
    rest: await runGatewayBench(gatewayOptions, log),
    http: await runGatewayBench({ ...gatewayOptions, serverEnv: { API_TYPE: 'http' } }, log),
  }));
  const coldStart = await step('4. cold-start proxies', () => runColdStartBench({ runs: quick ? 3 : 15 }, log));
  const loadAtEnd = loadavg();

  const wallSeconds = (performance.now() - started) / 1000;
  const machine: Machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: totalmem() / 1024 ** 3,
    os: `${process.platform} ${release()} ${process.arch}`,
    node: process.version,
    date: new Date().toISOString(),
    commit: gitDescribe(),
    command: quick ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench',
    wallSeconds,
    loadAtStart,
    loadAtEnd,
    partSeconds: {
      authorizer: authorizer.seconds,
      mcp: mcp.seconds,
      gateway: gateway.seconds,
      coldStart: coldStart.seconds,
    },
  };
  const markdown = renderReport({
    machine,
    authorizer: authorizer.value,
    mcp: mcp.value,
    gateway: gateway.value.rest,
    gatewayHttp: gateway.value.http,
    coldStart: coldStart.value,
    quick,
  });
  const out = join(__dirname, '..', 'BENCHMARKS.md');
  writeFileSync(out, markdown);
  log(`wrote ${out} — bench took ${wallSeconds.toFixed(1)} s`);
  clearTimeout(watchdog);
}

function gitDescribe(): string {
  try {
    const commit = execSync('git rev-parse --short HEAD', {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty =
      execSync('git status --porcelain', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${commit} + uncommitted changes` : commit;
  } catch {
    return 'unknown';
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
