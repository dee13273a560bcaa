import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { GATE_BUNDLING } from './bundling';

/** The repository root: handler entries and package-lock.json are found from here. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Entry files of the handlers. Synthesizing (and the infra tests) needs them present. */
export const HANDLER_ENTRIES = {
  authorizer: path.join(PROJECT_ROOT, 'lambdas', 'authorizer', 'handler.ts'),
  mcp: path.join(PROJECT_ROOT, 'lambdas', 'mcp', 'handler.ts'),
  oauth: path.join(PROJECT_ROOT, 'lambdas', 'oauth', 'handler.ts'),
} as const;

/** Options shared by the functions mcp-gate creates. */
export interface GateFunctionOptions {
  /**
   * Memory in MB (Lambda gives CPU in proportion, which shortens cold starts).
   * @default - the function's entry in FUNCTION_MEMORY_MB
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

export interface GateFunctionProps extends GateFunctionOptions {
  readonly entry: string;
  readonly description: string;
  /** Memory in MB (see FUNCTION_MEMORY_MB). */
  readonly memorySize: number;
  /** @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Data files written next to the bundled handler (name → content), e.g. the tools compiled
   * from OpenAPI documents. They count in the asset's hash like the code.
   * @default {}
   */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * A Node.js 22 arm64 function bundled by the local esbuild (never Docker), with its own log
 * group and a role that may write to that log group only (no `AWSLambdaBasicExecutionRole`,
 * which may create and write any log group).
 *
 * esbuild options: GATE_BUNDLING (lib/bundling.ts), which the cold-start benchmark builds with
 * too. Whatever AWS SDK a function uses is bundled rather than taken from the runtime, which
 * pins it to the version the tests ran with; the authorizer uses none (a signed client,
 * lambdas/keys/signed-dynamo-client.ts), which is what brings its cold start near a
 * hello-world function's (BENCHMARKS.md, part 4).
 */
export function createGateFunction(scope: Construct, id: string, props: GateFunctionProps): NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of ${props.description}`,
  });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, id, {
    entry: props.entry,
    handler: 'handler',
    description: props.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout ?? Duration.seconds(10),
    role,
    logGroup,
    environment: { ...props.environment },
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: {
      forceDockerBundling: false,
      target: GATE_BUNDLING.target,
      format: OutputFormat.CJS,
      mainFields: [...GATE_BUNDLING.mainFields],
      bundleAwsSDK: true,
      minify: GATE_BUNDLING.minify,
      keepNames: GATE_BUNDLING.keepNames,
      sourceMap: GATE_BUNDLING.sourceMap,
      esbuildArgs: { '--alias': Object.entries(GATE_BUNDLING.alias).map(([name, to]) => `${name}=${to}`) },
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        // The content is staged in a file named by its hash and copied in, so it needs no quoting.
        afterBundling: (_inputDir, outputDir) =>
          Object.entries(props.files ?? {}).map(
            ([name, content]) => `cp "${stageFile(content)}" "${path.join(outputDir, name)}"`,
          ),
      },
    },
  });
  // The function depends on its role construct, rendered as DependsOn [role, policy]; the role
  // is already referenced by GetAtt (cfn-lint W3005). Keep the policy: it must exist before
  // the function runs.
  const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as iam.CfnPolicy;
  (fn.node.defaultChild as lambda.CfnFunction).addOverride('DependsOn', [Stack.of(fn).getLogicalId(policy)]);
  return fn;
}

/** Writes `content` to a temporary file named by its SHA-256 (same content, same file) and returns its path. */
function stageFile(content: string): string {
  const dir = path.join(tmpdir(), 'mcp-gate-bundle-files');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${createHash('sha256').update(content).digest('hex')}.json`);
  writeFileSync(file, content);
  return file;
}
