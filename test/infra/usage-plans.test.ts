import { Template } from 'aws-cdk-lib/assertions';
import { plans, USAGE_PLAN_IDS_OUTPUT } from '../../config/plans';
import { servers as configuredServers } from '../../config/servers';
import { GATEWAY_RESPONSES } from '../../lib/gateway-responses';
import { McpGateStack } from '../../lib/mcp-gate-stack';
import { deployableServers } from '../../lib/server-functions';
import { appWithoutBundling, unacknowledgedNagFindings } from './support';

// Arrange once: the configured servers plus a keyed server with a browser origin (OPTIONS preflights).
const app = appWithoutBundling();
const stack = new McpGateStack(app, 'Plans', {
  servers: [
    ...deployableServers(configuredServers).deployable,
    { name: 'browser', authMode: 'apiKey', tools: ['echo'], allowedOrigins: ['https://app.example.com'] },
  ],
});
const template = Template.fromStack(stack);
const json = template.toJSON();
const resources: Record<string, { Type: string; Properties: Record<string, unknown> }> = json.Resources;
const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

describe('usage plans in the McpGate stack', () => {
  it('takes API keys from the key authorizer', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
  });

  it('requires an API key on exactly the keyed methods: not on public servers, not on CORS preflights', () => {
    const methods = ofType('AWS::ApiGateway::Method').map((m) => m.Properties);
    expect(methods.some((m) => m.HttpMethod === 'OPTIONS')).toBe(true);
    expect(methods.some((m) => m.AuthorizationType === 'NONE' && m.HttpMethod !== 'OPTIONS')).toBe(true);
    for (const method of methods) {
      expect({ method: method.HttpMethod, keyRequired: method.ApiKeyRequired === true }).toEqual({
        method: method.HttpMethod,
        keyRequired: method.AuthorizationType === 'CUSTOM',
      });
    }
  });

  it('has one usage plan per configured plan on the stage, with its throttle and quota', () => {
    const usagePlans = ofType('AWS::ApiGateway::UsagePlan').map((p) => p.Properties);
    expect(usagePlans).toHaveLength(plans.length);
    for (const plan of plans) {
      const found = usagePlans.find((p) => String(p.Description).startsWith(`mcp-gate plan ${plan.name}`));
      expect(found).toMatchObject({
        Throttle: { RateLimit: plan.throttle.rateLimit, BurstLimit: plan.throttle.burstLimit },
        ApiStages: [{ Stage: expect.anything(), ApiId: expect.anything() }],
      });
      expect(found!.Quota).toEqual(plan.quota && { Limit: plan.quota.limit, Period: plan.quota.period });
    }
    const tight = usagePlans.find((p) => String(p.Description).startsWith('mcp-gate plan demo-tight'));
    expect(tight).toMatchObject({ Throttle: { RateLimit: 2, BurstLimit: 2 }, Quota: { Limit: 20, Period: 'DAY' } });
  });

  it('answers THROTTLED and QUOTA_EXCEEDED with 429, a JSON-RPC body and Retry-After', () => {
    for (const type of ['THROTTLED', 'QUOTA_EXCEEDED'] as const) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: '429',
        ResponseParameters: {
          'gatewayresponse.header.Content-Type': "'application/json'",
          'gatewayresponse.header.Retry-After': `'${GATEWAY_RESPONSES[type].headers!['Retry-After']}'`,
        },
        ResponseTemplates: { 'application/json': GATEWAY_RESPONSES[type].body },
      });
    }
    expect(JSON.parse(GATEWAY_RESPONSES.QUOTA_EXCEEDED.body).error.message).toMatch(
      /quota is used up; it resets at the start of the next UTC day/,
    );
  });

  it('gives no function permission to manage API Gateway keys or usage plans', () => {
    const statements = [
      ...ofType('AWS::IAM::Policy').flatMap((p) => (p.Properties.PolicyDocument as { Statement: unknown[] }).Statement),
      ...ofType('AWS::IAM::Role').flatMap((r) =>
        ((r.Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[] | undefined) ?? []).flatMap(
          (p) => p.PolicyDocument.Statement,
        ),
      ),
    ] as { Action: string | string[] }[];
    expect(statements.length).toBeGreaterThan(0);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.filter((a) => /^apigateway:|^\*$/i.test(a))).toEqual([]);
    for (const role of ofType('AWS::IAM::Role'))
      expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toMatch(/APIGateway/i);
  });

  it('outputs each plan’s usage plan id for npm run keys', () => {
    const [separator, parts] = json.Outputs[USAGE_PLAN_IDS_OUTPUT].Value['Fn::Join'] as [string, unknown[]];
    const ids = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join(separator));
    expect(ids).toEqual(Object.fromEntries(plans.map((plan) => [plan.name, '<ref>'])));
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(unacknowledgedNagFindings(app, stack)).toEqual([]);
  });
});
