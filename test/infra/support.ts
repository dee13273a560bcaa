import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Infra test helpers. Synthesizing needs the handler entry files (lambdas/authorizer/handler.ts,
 * lambdas/mcp/handler.ts) present: NodejsFunction checks them even when bundling is skipped.
 * Each test file synthesizes its stacks once (module scope) and shares them across assertions.
 */

/** An app whose NodejsFunctions skip esbuild (construct tests: bundling is tested once, by the stack test). */
export function appWithoutBundling(context: Record<string, unknown> = {}): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

/** cdk-nag AwsSolutions findings on `scope` that are not acknowledged, as `rule: path` lines. */
export function unacknowledgedNagFindings(app: App, scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName}: ${resource.constructPath}`),
  );
}
