import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ConfigError } from '../../config/errors';
import { servers as configuredServers } from '../../config/servers';
import { buildMcpGateApp } from '../../lib/app';
import { McpGateStack } from '../../lib/mcp-gate-stack';
import { ALARM_DEFAULTS } from '../../lib/observability';
import { deployableServers } from '../../lib/server-functions';
import { CONTEXT_KEYS, pascalCase } from '../../lib/settings';
import {
  alarmMetrics,
  alarmsOf,
  dimensionsOf,
  expectedGraphTitles,
  expectOnlyEmittedMetrics,
  graphsOf,
  graphTitled,
  resourcesOf,
  type MetricRow,
} from './dashboard';
import { appWithoutBundling, unacknowledgedNagFindings } from './support';

/**
 * API Gateway's metric names and dimension sets as AWS documents them (developer guide:
 * "Amazon API Gateway dimensions and metrics" for REST APIs, "Monitor CloudWatch metrics for
 * HTTP APIs in API Gateway"): what the dashboard and alarms may read, per API type.
 */
const DOCUMENTED = {
  rest: {
    metrics: ['4XXError', '5XXError', 'Count', 'IntegrationLatency', 'Latency'],
    dimensionSets: [['ApiName'], ['ApiName', 'Stage'], ['ApiName', 'Method', 'Resource', 'Stage']],
  },
  http: {
    metrics: ['4xx', '5xx', 'Count', 'IntegrationLatency', 'Latency', 'DataProcessed'],
    dimensionSets: [['ApiId'], ['ApiId', 'Stage'], ['ApiId', 'Method', 'Resource', 'Stage']],
  },
} as const;

const DOMAIN_CONTEXT = {
  [CONTEXT_KEYS.domainName]: 'mcp.example.com',
  [CONTEXT_KEYS.certificateArn]: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
};
const servers = deployableServers(configuredServers).deployable;

// Arrange once: `-c mcp-gate:apiType=http`, and the custom domain with its oauth servers (with
// tracing and an alarm email, so the layout's functions, stages and alarms are all covered).
const httpApp = appWithoutBundling({ [CONTEXT_KEYS.apiType]: 'http' });
const httpStack = buildMcpGateApp(httpApp).main;
const httpTemplate = Template.fromStack(httpStack);
const domainApp = appWithoutBundling({
  ...DOMAIN_CONTEXT,
  [CONTEXT_KEYS.tracing]: 'true',
  [CONTEXT_KEYS.alarmEmail]: 'ops@example.com',
});
const domainStack = buildMcpGateApp(domainApp).main;
const domainTemplate = Template.fromStack(domainStack);
const oauth = domainStack.oauth!;

/** A construct's logical id in the template, overrides included. */
const logicalIdOf = (stack: McpGateStack, construct: IConstruct) =>
  stack.resolve(((construct.node.defaultChild ?? construct) as CfnElement).logicalId) as string;
const ref = (stack: McpGateStack, construct: IConstruct) => `ref:${logicalIdOf(stack, construct)}`;

/** Expects the rows to be API Gateway metrics of the documented names and dimension sets. */
function expectDocumented(rows: readonly MetricRow[], apiType: keyof typeof DOCUMENTED): void {
  for (const row of rows) {
    expect(row[0]).toBe('AWS/ApiGateway');
    expect(DOCUMENTED[apiType].metrics).toContain(row[1]);
    expect(DOCUMENTED[apiType].dimensionSets).toContainEqual(Object.keys(dimensionsOf(row)).sort());
  }
}

describe('observability with apiType http', () => {
  const graphs = graphsOf(httpTemplate);
  const alarms = alarmsOf(httpTemplate);
  const apiRef = ref(httpStack, httpStack.httpApi!.api);
  const routeOf = (server: (typeof servers)[number]) => ({
    ApiId: apiRef,
    Stage: 'prod',
    Resource: `/${server.name}/mcp`,
    Method: 'POST',
  });

  it('has the same dashboard as the REST API: the stack-wide widgets, then a row per server', () => {
    httpTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(graphs.map((w) => w.properties.title)).toEqual(expectedGraphTitles(servers));
    expect(expectOnlyEmittedMetrics(graphs)).toBeGreaterThan(servers.length * 3);
  });

  it("shows each server's requests, 4xx, 5xx and p50/p99 latency from its POST route's metrics", () => {
    for (const server of servers) {
      const requests = graphTitled(graphs, `${server.name}: requests, 4xx, 5xx`).properties.metrics!;
      expect(requests.map((row) => row[1])).toEqual(['Count', '4xx', '5xx']);
      for (const row of requests) expect(dimensionsOf(row)).toEqual(routeOf(server));
      const latency = graphTitled(graphs, `${server.name}: latency`).properties.metrics!;
      expect(latency.map((row) => [row[1], (row.at(-1) as { stat: string }).stat])).toEqual([
        ['Latency', 'p50'],
        ['Latency', 'p99'],
      ]);
      for (const row of latency) expect(dimensionsOf(row)).toEqual(routeOf(server));
      expectDocumented([...requests, ...latency], 'http');
    }
  });

  it('turns on the detailed (per-route) metrics those figures need, on the stage they name', () => {
    httpTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      ApiId: { Ref: logicalIdOf(httpStack, httpStack.httpApi!.api) },
      DefaultRouteSettings: Match.objectLike({ DetailedMetricsEnabled: true }),
    });
    const routeKeys = Object.values(resourcesOf(httpTemplate, 'AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );
    for (const server of servers) expect(routeKeys).toContain(`POST ${routeOf(server).Resource}`);
  });

  it("has the REST API's alarms, reading the HTTP API's metric names", () => {
    expect(Object.keys(alarms).sort()).toEqual(
      [
        'KeyStoreUnavailable',
        'UnknownKeyBurst',
        'AuthorizerThrottles',
        ...servers.flatMap((s) => ['ServerErrors', 'LatencyP99', 'Throttles'].map((a) => `${pascalCase(s.name)}${a}`)),
      ].sort(),
    );
    for (const server of servers) {
      const name = pascalCase(server.name);
      const route = { ...routeOf(server), ApiId: { Ref: logicalIdOf(httpStack, httpStack.httpApi!.api) } };
      expect(alarms[`${name}ServerErrors`].Threshold).toBe(ALARM_DEFAULTS.serverErrorPercent);
      expect(alarmMetrics(alarms[`${name}ServerErrors`])).toEqual([
        { name: 'Count', dimensions: route },
        { name: '5xx', dimensions: route },
      ]);
      expect(alarms[`${name}LatencyP99`]).toMatchObject({
        ExtendedStatistic: 'p99',
        Threshold: ALARM_DEFAULTS.latencyP99Ms,
        EvaluationPeriods: 3,
      });
      expect(alarmMetrics(alarms[`${name}LatencyP99`])).toEqual([{ name: 'Latency', dimensions: route }]);
      expect(alarms[`${name}Throttles`]).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [
          {
            Name: 'FunctionName',
            Value: {
              Ref: logicalIdOf(httpStack, httpStack.servers.find((s) => s.server.name === server.name)!.handler),
            },
          },
        ],
      });
    }
    expect(alarms.KeyStoreUnavailable).toMatchObject({ MetricName: 'AuthorizationDecisions', Threshold: 1 });
    httpTemplate.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toBeUndefined();
  });

  it('sets no execution-log retention (an HTTP API writes no execution logs)', () => {
    httpTemplate.resourceCountIs('Custom::LogRetention', 0);
  });

  it('warns of what the HTTP API lacks, not of the dashboard or alarms', () => {
    const [warning] = Annotations.fromStack(httpStack).findWarning('*', Match.stringLikeRegexp('apiType http'));
    expect(JSON.stringify(warning.entry.data)).not.toMatch(/dashboard|alarm/i);
  });
});

describe('observability with oauth servers on the custom domain', () => {
  const graphs = graphsOf(domainTemplate);
  const alarms = alarmsOf(domainTemplate);
  const restApis = resourcesOf(domainTemplate, 'AWS::ApiGateway::RestApi');
  const [topicId] = Object.keys(resourcesOf(domainTemplate, 'AWS::SNS::Topic'));
  const oauthServers = oauth.servers.map((deployed) => deployed.mcp.server);
  /** The stage-wide dimensions of a REST API of the layout, checked against the template's API name. */
  const stageOf = (api: (typeof oauth)['discoveryApi']) => {
    expect(restApis[logicalIdOf(domainStack, api)].Properties.Name).toBe(api.restApiName);
    return { ApiName: api.restApiName, Stage: ref(domainStack, api.deploymentStage) };
  };

  it('adds a row per oauth server after the others, then the authorization server', () => {
    expect(oauthServers.length).toBeGreaterThan(0);
    expect(graphs.map((w) => w.properties.title)).toEqual(
      expectedGraphTitles([...domainStack.servers.map((mcp) => mcp.server), ...oauthServers], {
        authorizationServer: true,
      }),
    );
    expect(expectOnlyEmittedMetrics(graphs)).toBeGreaterThan((servers.length + oauthServers.length) * 3);
  });

  it("reads an oauth server's requests, 4xx, 5xx and latency from its own API's stage", () => {
    for (const { mcp, api } of oauth.servers) {
      const name = mcp.server.name;
      const requests = graphTitled(graphs, `${name}: requests, 4xx, 5xx`).properties.metrics!;
      expect(requests.map((row) => row[1])).toEqual(['Count', '4XXError', '5XXError']);
      const latency = graphTitled(graphs, `${name}: latency`).properties.metrics!;
      for (const row of [...requests, ...latency]) expect(dimensionsOf(row)).toEqual(stageOf(api));
      expectDocumented([...requests, ...latency], 'rest');
      const decisions = graphTitled(graphs, `${name}: authorizer decisions`).properties.metrics!;
      for (const row of decisions) expect(dimensionsOf(row)).toMatchObject({ Server: name });
    }
  });

  it("keeps the other servers' figures on the stack's REST API", () => {
    for (const mcp of domainStack.servers) {
      const requests = graphTitled(graphs, `${mcp.server.name}: requests, 4xx, 5xx`).properties.metrics!;
      for (const row of requests) {
        expect(dimensionsOf(row)).toEqual({
          ...stageOf(domainStack.api!),
          Resource: mcp.server.routes[0],
          Method: 'POST',
        });
      }
      expectDocumented(requests, 'rest');
    }
  });

  it("shows the authorization server's endpoints, discovery documents, latency, function errors and throttles", () => {
    const requests = graphTitled(graphs, 'authorization server: requests, 4xx, 5xx').properties.metrics!;
    expect(requests.map((row) => [row[1], dimensionsOf(row)])).toEqual([
      ['Count', stageOf(oauth.authorizationServerApi)],
      ['4XXError', stageOf(oauth.authorizationServerApi)],
      ['5XXError', stageOf(oauth.authorizationServerApi)],
      ['Count', stageOf(oauth.discoveryApi)],
      ['4XXError', stageOf(oauth.discoveryApi)],
      ['5XXError', stageOf(oauth.discoveryApi)],
    ]);
    const latency = graphTitled(graphs, 'authorization server: latency').properties.metrics!;
    expectDocumented([...requests, ...latency], 'rest');
    const fn = graphTitled(graphs, 'authorization server: function errors and throttles').properties.metrics!;
    expect(fn.map((row) => [row[0], row[1], dimensionsOf(row)])).toEqual([
      ['AWS/Lambda', 'Errors', { FunctionName: ref(domainStack, oauth.authorizationServer) }],
      ['AWS/Lambda', 'Throttles', { FunctionName: ref(domainStack, oauth.authorizationServer) }],
    ]);
    const throttles = graphTitled(graphs, 'Throttles (Lambda)').properties.metrics!;
    expect(throttles.map((row) => dimensionsOf(row).FunctionName)).toEqual([
      ref(domainStack, domainStack.authorizer.handler),
      ...domainStack.servers.map((mcp) => ref(domainStack, mcp.handler)),
      ...oauth.servers.map(({ mcp }) => ref(domainStack, mcp.handler)),
      ref(domainStack, oauth.authorizationServer),
    ]);
  });

  it('alarms on each oauth server and on the authorization server, notifying the topic', () => {
    const toAlarm = (dimensions: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(dimensions).map(([name, value]) => [
          name,
          value.startsWith('ref:') ? { Ref: value.slice(4) } : value,
        ]),
      );
    for (const { mcp, api } of oauth.servers) {
      const name = pascalCase(mcp.server.name);
      const stage = toAlarm(stageOf(api));
      expect(alarmMetrics(alarms[`${name}ServerErrors`])).toEqual([
        { name: 'Count', dimensions: stage },
        { name: '5XXError', dimensions: stage },
      ]);
      expect(alarms[`${name}ServerErrors`].Threshold).toBe(ALARM_DEFAULTS.serverErrorPercent);
      expect(alarmMetrics(alarms[`${name}LatencyP99`])).toEqual([{ name: 'Latency', dimensions: stage }]);
      expect(alarms[`${name}LatencyP99`]).toMatchObject({
        ExtendedStatistic: 'p99',
        Threshold: ALARM_DEFAULTS.latencyP99Ms,
      });
      expect(alarms[`${name}Throttles`].Dimensions).toEqual([
        { Name: 'FunctionName', Value: { Ref: logicalIdOf(domainStack, mcp.handler) } },
      ]);
    }
    const endpoints = toAlarm(stageOf(oauth.authorizationServerApi));
    expect(alarms.AuthorizationServerErrors).toMatchObject({
      Threshold: ALARM_DEFAULTS.serverErrorPercent,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarmMetrics(alarms.AuthorizationServerErrors)).toEqual([
      { name: 'Count', dimensions: endpoints },
      { name: '5XXError', dimensions: endpoints },
    ]);
    expect(alarms.AuthorizationServerThrottles).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(domainStack, oauth.authorizationServer) } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(Object.keys(alarms)).toHaveLength(3 + 3 * (domainStack.servers.length + oauth.servers.length) + 2);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(String(alarm.AlarmDescription).length).toBeGreaterThan(40);
    }
  });

  it("gives every REST API of the layout's execution-log group the stack's retention", () => {
    const retained = Object.values(resourcesOf(domainTemplate, 'Custom::LogRetention')).map(
      (r) =>
        ((r.Properties.LogGroupName as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1] as { Ref: string }).Ref,
    );
    expect(retained.sort()).toEqual(Object.keys(restApis).sort());
    expect(Object.keys(restApis)).toHaveLength(1 + oauth.servers.length + 2);
  });

  it('traces every function and every stage of the layout with mcp-gate:tracing=true', () => {
    const traced = Object.entries(resourcesOf(domainTemplate, 'AWS::Lambda::Function')).filter(
      ([id]) => !id.startsWith('LogRetention'),
    );
    expect(traced).toHaveLength(1 + domainStack.servers.length + oauth.servers.length + 1);
    for (const [, fn] of traced) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    const stages = Object.values(resourcesOf(domainTemplate, 'AWS::ApiGateway::Stage'));
    expect(stages).toHaveLength(Object.keys(restApis).length);
    for (const stage of stages) expect(stage.Properties.TracingEnabled).toBe(true);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(domainApp, domainStack)).toEqual([]);
  });
});

describe('observability: alarm names', () => {
  it('refuses a server whose name would give two alarms one name, instead of a construct clash', () => {
    const build = () =>
      new McpGateStack(appWithoutBundling(), 'Clash', {
        servers: [{ name: 'authorizer', authMode: 'none', tools: ['echo'] }],
      });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow('two alarms would be named AuthorizerThrottles: rename the server whose name makes it');
  });
});
