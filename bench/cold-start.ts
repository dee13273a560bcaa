/**
 * Part 4: cold-start proxies. Each Lambda handler is bundled with esbuild exactly as `cdk synth`
 * bundles it (GATE_BUNDLING, lib/bundling.ts), next to a hello-world bundle built the same way
 * and reference variants (the authorizer on the AWS SDK, the SDK alone, ES module output, the
 * MCP SDK alone, the authorizer on Powertools Logger, the OAuth authorization server on the AWS SDK
 * and oidc-provider alone) that measure each lever. Then a fresh `node` process (nothing preloaded, a Lambda-like minimal environment)
 * requires the bundle and answers one event; the parent measures the process from spawn to its
 * answer, the process reports its own boot, module load and first invocation.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { OAUTH_PATHS } from '../config/oauth';
import { servers } from '../config/servers';
import { digestApiKey } from '../lambdas/keys/key-format';
import { KeyService } from '../lambdas/keys/key-service';
import { GATE_BUNDLING } from '../lib/bundling';
import { startEmbeddedDynamo } from '../local/dynalite';
import { nowMs, ratio, summarize, type Summary } from './stats';

const ROOT = join(__dirname, '..');

export interface BundleSpec {
  readonly name: string;
  readonly entry: string;
  /** What `cdk synth` deploys, as opposed to a variant measured for comparison. */
  readonly deployed?: boolean;
  /** ES module output (`.mjs`) instead of GATE_BUNDLING's CommonJS. */
  readonly esm?: boolean;
  /** Without GATE_BUNDLING's aliases: every copy of a package that an importer pins (the bundles before them). */
  readonly noAlias?: boolean;
  readonly event: 'authorizer' | 'mcp' | 'oauth' | 'none';
  /** A reference bundle, not one of mcp-gate's handlers. */
  readonly reference?: boolean;
}

export const BUNDLES: readonly BundleSpec[] = [
  { name: 'hello-world', entry: 'bench/hello-world.ts', event: 'none' },
  { name: 'authorizer', entry: 'lambdas/authorizer/handler.ts', deployed: true, event: 'authorizer' },
  { name: 'authorizer, ES module output', entry: 'lambdas/authorizer/handler.ts', esm: true, event: 'authorizer' },
  { name: 'authorizer on the AWS SDK (before)', entry: 'bench/authorizer-sdk.ts', event: 'authorizer' },
  {
    name: 'SDK alone: DynamoDB client, one GetItem',
    entry: 'bench/sdk-get-item.ts',
    event: 'none',
    reference: true,
  },
  { name: 'authorizer on Powertools Logger', entry: 'bench/authorizer-powertools-logger.ts', event: 'authorizer' },
  { name: 'mcp', entry: 'lambdas/mcp/handler.ts', deployed: true, event: 'mcp' },
  {
    name: 'MCP SDK alone: McpServer, one tools/call',
    entry: 'bench/mcp-sdk-floor.ts',
    event: 'mcp',
    reference: true,
  },
  { name: 'OAuth authorization server', entry: 'lambdas/oauth/handler.ts', deployed: true, event: 'oauth' },
  {
    name: 'OAuth authorization server on the AWS SDK (before)',
    entry: 'bench/oauth-sdk.ts',
    noAlias: true,
    event: 'oauth',
  },
  {
    name: 'OAuth authorization server, mime-db twice',
    entry: 'lambdas/oauth/handler.ts',
    noAlias: true,
    event: 'oauth',
  },
  { name: 'oidc-provider alone: its discovery document', entry: 'bench/oidc-provider-alone.ts', event: 'oauth' },
];

export interface ColdStartOptions {
  /** Fresh processes per bundle. */
  readonly runs: number;
}

export interface BundleResult {
  readonly spec: BundleSpec;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Parent's clock: spawn → the answer line. */
  readonly wallMs: Summary;
  /** Child's clock: process start → script start (Node's own boot). */
  readonly bootMs: Summary;
  /** require() of the bundle. */
  readonly loadMs: Summary;
  /** The first invocation (authorizer: a cache miss, one GetItem). */
  readonly invokeMs: Summary;
  /** Child's clock: process start → answer. */
  readonly totalMs: Summary;
  readonly maxRssMb: Summary;
  /** The largest contributors to the bundle, by package (esbuild metafile). */
  readonly composition: readonly { readonly pkg: string; readonly bytes: number }[];
  /** wallMs and load+invoke relative to hello-world. */
  readonly wallVsHello: Summary;
  readonly loadInvokeVsHello: Summary;
}

export interface ColdStartResults {
  readonly bundles: readonly BundleResult[];
  readonly runs: number;
  readonly nodeVersion: string;
}

/** Runs in the fresh process: plain CommonJS, nothing else loaded (an `.mjs` bundle is imported). */
const RUNNER = `'use strict';
const boot = performance.now();
const { readFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const [bundle, eventFile] = process.argv.slice(2);
const event = eventFile === '-' ? {} : JSON.parse(readFileSync(eventFile, 'utf8'));
const context = { functionName: 'bench', awsRequestId: 'bench-request', getRemainingTimeInMillis: () => 3000 };
const t0 = performance.now();
let t1;
(bundle.endsWith('.mjs') ? import(pathToFileURL(bundle).href) : Promise.resolve(require(bundle)))
  .then((mod) => { t1 = performance.now(); return mod.handler(event, context); })
  .then(
    (result) => ({ ok: true, result }),
    (error) => ({ ok: false, error: String(error && error.message || error) }),
  )
  .then((outcome) => {
    const t2 = performance.now();
    t1 ??= t2;
    process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({
      boot, load: t1 - t0, invoke: t2 - t1, total: t2, maxRssKb: process.resourceUsage().maxRSS, ...outcome,
    }) + '\\n', () => process.exit(0));
  });
`;

interface RunnerOutput {
  readonly boot: number;
  readonly load: number;
  readonly invoke: number;
  readonly total: number;
  readonly maxRssKb: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

function runFresh(
  runner: string,
  bundle: string,
  eventFile: string,
  env: NodeJS.ProcessEnv,
): Promise<{ wallMs: number; out: RunnerOutput }> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const child = spawn(process.execPath, [runner, bundle, eventFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let wallMs: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (wallMs === undefined && stdout.includes('BENCH_RESULT ') && stdout.endsWith('\n')) wallMs = nowMs() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line || wallMs === undefined)
        return reject(new Error(`${bundle}: no result (stderr: ${stderr.slice(0, 500)})`));
      resolve({ wallMs, out: JSON.parse(line.slice('BENCH_RESULT '.length)) as RunnerOutput });
    });
  });
}

/** Bytes in the output by npm package (the project's own files count as `(mcp-gate)`), largest first. */
function composition(
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>,
): { pkg: string; bytes: number }[] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const at = file.lastIndexOf('node_modules/');
      const parts = at < 0 ? [] : file.slice(at + 'node_modules/'.length).split('/');
      const pkg = at < 0 ? '(mcp-gate)' : parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
      bytes.set(pkg, (bytes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes].map(([pkg, n]) => ({ pkg, bytes: n })).sort((a, b) => b.bytes - a.bytes);
}

function checkAnswer(spec: BundleSpec, out: RunnerOutput): void {
  if (!out.ok) throw new Error(`${spec.name} failed: ${out.error}`);
  if (spec.event === 'authorizer') {
    const effect = (out.result as { policyDocument?: { Statement?: { Effect?: string }[] } }).policyDocument
      ?.Statement?.[0]?.Effect;
    if (effect !== 'Allow') throw new Error(`authorizer bundle answered ${JSON.stringify(out.result).slice(0, 200)}`);
  }
  if (spec.reference && spec.event === 'none' && (out.result as { found?: boolean }).found !== true) {
    throw new Error(`${spec.name}: the key was not found`);
  }
  if ((spec.event === 'mcp' || spec.event === 'oauth') && (out.result as { statusCode?: number }).statusCode !== 200) {
    throw new Error(`${spec.name} bundle answered ${JSON.stringify(out.result).slice(0, 200)}`);
  }
}

export async function runColdStartBench(
  options: ColdStartOptions,
  log: (line: string) => void,
): Promise<ColdStartResults> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gate-bench-'));
  const dynamo = await startEmbeddedDynamo('bench-cold-keys');
  try {
    const apiKey = (
      await new KeyService({ store: dynamo.store, servers }).create({ server: 'demo-apikey', label: 'cold start' })
    ).apiKey;
    const digest = digestApiKey(apiKey);
    const authorizerEvent = JSON.parse(readFileSync(join(ROOT, 'events', 'authorizer-v1-apikey.json'), 'utf8')) as {
      headers: Record<string, string>;
      multiValueHeaders: Record<string, string[]>;
    };
    authorizerEvent.headers['x-api-key'] = apiKey;
    authorizerEvent.multiValueHeaders['x-api-key'] = [apiKey];
    const events = {
      authorizer: join(dir, 'authorizer-event.json'),
      mcp: join(ROOT, 'events', 'mcp-tools-call.json'),
      oauth: join(dir, 'oauth-event.json'),
      none: '-',
    };
    writeFileSync(events.authorizer, JSON.stringify(authorizerEvent));
    // The OAuth authorization server's first request: its metadata document, as a client's discovery asks.
    const oauthEvent = JSON.parse(readFileSync(events.mcp, 'utf8')) as Record<string, unknown>;
    Object.assign(oauthEvent, {
      httpMethod: 'GET',
      path: OAUTH_PATHS.authorizationServerMetadata,
      resource: OAUTH_PATHS.authorizationServerMetadata,
      body: null,
    });
    writeFileSync(events.oauth, JSON.stringify(oauthEvent));
    const runner = join(dir, 'runner.cjs');
    writeFileSync(runner, RUNNER);

    const built = [];
    for (const [index, spec] of BUNDLES.entries()) {
      const outfile = join(dir, `bundle-${index}.${spec.esm ? 'mjs' : 'js'}`);
      // GATE_BUNDLING is what lib/gate-function.ts hands NodejsFunction: the bundles `cdk synth` writes.
      const result = await build({
        entryPoints: [join(ROOT, spec.entry)],
        outfile,
        bundle: true,
        platform: 'node',
        target: GATE_BUNDLING.target,
        format: spec.esm ? 'esm' : GATE_BUNDLING.format,
        mainFields: [...GATE_BUNDLING.mainFields],
        minify: GATE_BUNDLING.minify,
        keepNames: GATE_BUNDLING.keepNames,
        sourcemap: GATE_BUNDLING.sourceMap,
        alias: spec.noAlias ? {} : { ...GATE_BUNDLING.alias },
        // An ES module bundle of CommonJS packages needs `require`, as NodejsFunction's ESM output adds.
        ...(spec.esm
          ? {
              banner: {
                js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
              },
            }
          : {}),
        logLevel: 'error',
        metafile: true,
      });
      built.push({
        spec,
        outfile,
        bytes: statSync(outfile).size,
        gzipBytes: gzipSync(readFileSync(outfile)).length,
        composition: composition(result.metafile.outputs),
      });
    }
    log(`  built ${built.length} bundles in ${dir}`);

    // A Lambda-like environment: nothing inherited (no NODE_OPTIONS, no tsx, no credentials).
    const baseEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_REGION: 'us-east-1',
      KEYS_TABLE_NAME: dynamo.tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AUTH_CACHE_TTL_SECONDS: '60',
      BENCH_DIGEST: digest,
      // As Lambda gives a function its role's credentials (the local table accepts any).
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      // The OAuth authorization server's settings (its metadata request reads no table).
      OAUTH_ISSUER: 'https://mcp.example.com',
      GRANTS_TABLE_NAME: 'bench-grants',
      OAUTH_COOKIE_KEYS: 'bench-cookie-key-0123456789abcdef',
    };
    const samples = built.map(() => ({ wall: [] as number[], out: [] as RunnerOutput[] }));
    // One unmeasured run each (file system cache), then the measured runs, round-robin over the bundles.
    for (let run = -1; run < options.runs; run++) {
      for (const [index, item] of built.entries()) {
        const { wallMs, out } = await runFresh(runner, item.outfile, events[item.spec.event], baseEnv);
        checkAnswer(item.spec, out);
        if (run >= 0) {
          samples[index].wall.push(wallMs);
          samples[index].out.push(out);
        }
      }
    }
    const helloIndex = built.findIndex((item) => item.spec.name === 'hello-world');
    const helloWall = summarize(samples[helloIndex].wall);
    const helloLoadInvoke = summarize(samples[helloIndex].out.map((o) => o.load + o.invoke));
    const bundles = built.map((item, index): BundleResult => {
      const outs = samples[index].out;
      const wallMs = summarize(samples[index].wall);
      const loadInvoke = summarize(outs.map((o) => o.load + o.invoke));
      return {
        spec: item.spec,
        bytes: item.bytes,
        gzipBytes: item.gzipBytes,
        wallMs,
        bootMs: summarize(outs.map((o) => o.boot)),
        loadMs: summarize(outs.map((o) => o.load)),
        invokeMs: summarize(outs.map((o) => o.invoke)),
        totalMs: summarize(outs.map((o) => o.total)),
        maxRssMb: summarize(outs.map((o) => o.maxRssKb / 1024)),
        composition: item.composition,
        wallVsHello: ratio(wallMs, helloWall),
        loadInvokeVsHello: ratio(loadInvoke, helloLoadInvoke),
      };
    });
    return { bundles, runs: options.runs, nodeVersion: process.version };
  } finally {
    await dynamo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
