import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { isGuarded } from '../config/identity-sources';
import { plans as configuredPlans, USAGE_PLAN_IDS_OUTPUT, type PlanConfig } from '../config/plans';
import type { McpServerFunction } from './mcp-server-function';
import { pascalCase } from './settings';

export interface UsagePlansProps {
  /** The REST API; its key source must be `AUTHORIZER` (the key authorizer names each request's key). */
  readonly api: apigw.RestApi;
  /** The servers on the API: every method of a keyed server requires an API key, except CORS preflights. */
  readonly servers: readonly McpServerFunction[];
  /**
   * APIs that each serve one server at their root (the `oauth` servers under the custom domain):
   * their stages are on the plans too, so a token's calls count against its key's plan.
   * @default []
   */
  readonly ownApis?: readonly { readonly api: apigw.RestApi; readonly mcp: McpServerFunction }[];
  /** @default the plans of config/plans.ts */
  readonly plans?: readonly PlanConfig[];
}

/**
 * One API Gateway usage plan per configured plan, on the API's stage, with the plan's throttle
 * and quota. Keyed methods require an API key, which the key authorizer supplies as
 * `usageIdentifierKey`; public methods and preflights do not. The API keys themselves are
 * runtime data (`npm run keys` creates and attaches them), so no function gets permission to
 * manage them.
 */
export class UsagePlans extends Construct {
  /** The usage plan of each configured plan, by plan name. */
  public readonly plans: ReadonlyMap<string, apigw.UsagePlan>;

  constructor(scope: Construct, id: string, props: UsagePlansProps) {
    super(scope, id);
    const apis = [
      { api: props.api, servers: props.servers },
      ...(props.ownApis ?? []).map(({ api, mcp }) => ({ api, servers: [mcp] })),
    ];
    for (const { api, servers } of apis) requireKeys(api, servers);

    const plans = new Map<string, apigw.UsagePlan>();
    for (const plan of props.plans ?? configuredPlans) {
      plans.set(
        plan.name,
        new apigw.UsagePlan(this, `${pascalCase(plan.name)}Plan`, {
          description: `mcp-gate plan ${plan.name}${plan.description ? `: ${plan.description}` : ''}`,
          apiStages: apis.map(({ api }) => ({ api, stage: api.deploymentStage })),
          throttle: { rateLimit: plan.throttle.rateLimit, burstLimit: plan.throttle.burstLimit },
          quota: plan.quota && { limit: plan.quota.limit, period: apigw.Period[plan.quota.period] },
        }),
      );
    }
    this.plans = plans;

    const stack = Stack.of(this);
    new CfnOutput(stack, USAGE_PLAN_IDS_OUTPUT, {
      value: stack.toJsonString(Object.fromEntries([...plans].map(([name, plan]) => [name, plan.usagePlanId]))),
      description: 'Usage plan id of each key plan, as JSON (npm run keys reads it)',
    });
  }
}

/** Every method of a keyed server on `api` requires an API key, except CORS preflights. */
function requireKeys(api: apigw.RestApi, servers: readonly McpServerFunction[]): void {
  const keyed: string[] = [];
  for (const mcp of servers) {
    if (!isGuarded(mcp.server.authMode)) continue;
    for (const method of mcp.methods) {
      if (method.api !== api || mcp.preflights.includes(method)) continue;
      (method.node.defaultChild as apigw.CfnMethod).apiKeyRequired = true;
      keyed.push(`${method.httpMethod} ${method.resource.path}`);
    }
  }
  // Requiring a key changes what the stage serves: make it a new deployment.
  api.latestDeployment?.addToLogicalId({ apiKeyRequired: keyed });
}
