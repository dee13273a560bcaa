import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Infra test helpers. Synthesizing needs the handler entry files (lambdas/authorizer/handler.ts,
 * lambdas/mcp/handler.ts) present: NodejsFunction checks them even when bundling is skipped.
 * Each test file synthesizes its stacks once (module scope) and shares them across assertions.
 */

/** The context `cdk synth` passes to the app: cdk.json's feature flags and mcp-gate defaults. */
const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = JSON.parse(
  readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;

/** An app with the context `cdk synth` gives it, plus `context`: tests see what synth sees. */
export function appAsSynthesized(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...CDK_JSON_CONTEXT, ...context } });
}

/** Like {@link appAsSynthesized}, but NodejsFunctions skip esbuild (bundling is tested once, by the stack test). */
export function appWithoutBundling(context: Record<string, unknown> = {}): App {
  return appAsSynthesized({ 'aws:cdk:bundling-stacks': [], ...context });
}

/** cdk-nag AwsSolutions findings on `scope` that are not acknowledged, as `rule: path` lines. */
export function unacknowledgedNagFindings(app: App, scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName}: ${resource.constructPath}`),
  );
}
