import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { servers as configuredServers } from '../../config/servers';
import { buildMcpGateApp } from '../../lib/app';
import { ExistingApisStack } from '../../lib/existing-apis-stack';
import { ALARM_DEFAULTS } from '../../lib/observability';
import { deployableServers } from '../../lib/server-functions';
import { CONTEXT_KEYS, pascalCase } from '../../lib/settings';
import {
  alarmMetrics,
  alarmsOf,
  dashboardOf,
  dimensionsOf,
  expectedGraphTitles,
  expectOnlyEmittedMetrics,
  graphsOf,
  graphTitled,
  resourcesOf,
} from './dashboard';
import { appWithoutBundling, unacknowledgedNagFindings } from './support';

const servers = deployableServers(configuredServers).deployable;
const FUNCTION_ALARMS = ['KeyStoreUnavailable', 'UnknownKeyBurst', 'AuthorizerThrottles'];
const throttleAlarms = servers.map((s) => `${pascalCase(s.name)}Throttles`);
const apiAlarms = (id: string) =>
  servers.flatMap((s) => ['ServerErrors', 'LatencyP99'].map((a) => `${pascalCase(s.name)}${id}${a}`));

// Arrange once: both APIs named in context, the REST API with its name and stage, with tracing
// and an alarm email; an HTTP API alone; a REST API without its name.
const app = appWithoutBundling({
  [CONTEXT_KEYS.existingRestApiId]: 'a1b2c3d4e5',
  [CONTEXT_KEYS.existingRestApiRootResourceId]: 'r00t1d2e3f',
  [CONTEXT_KEYS.existingRestApiStage]: 'live',
  [CONTEXT_KEYS.existingRestApiName]: 'orders-api',
  [CONTEXT_KEYS.existingHttpApiId]: 'h1t2p3a4p5',
  [CONTEXT_KEYS.tracing]: 'true',
  [CONTEXT_KEYS.alarmEmail]: 'ops@example.com',
});
const both = buildMcpGateApp(app).existingApis!;
const httpOnly = new ExistingApisStack(app, 'HttpOnly', { httpApiId: 'h9h9h9h9h9' });
const unnamedRest = new ExistingApisStack(app, 'UnnamedRest', {
  restApi: { restApiId: 'b1b2b3b4b5', rootResourceId: 'r00t2', stageName: 'live' },
});
const bothTemplate = Template.fromStack(both);
const httpOnlyTemplate = Template.fromStack(httpOnly);
const unnamedRestTemplate = Template.fromStack(unnamedRest);

const restRoute = (server: (typeof servers)[number]) => ({
  ApiName: 'orders-api',
  Stage: 'live',
  Resource: server.routes[0],
  Method: 'POST',
});
const httpRoute = (server: (typeof servers)[number], apiId = 'h1t2p3a4p5') => ({
  ApiId: apiId,
  Stage: '$default',
  Resource: server.routes[0],
  Method: 'POST',
});

describe('ExistingApisStack observability on a named REST API and an HTTP API', () => {
  const graphs = graphsOf(bothTemplate);
  const alarms = alarmsOf(bothTemplate);

  it('has one dashboard with the main stack layout, every metric one the functions emit', () => {
    bothTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(graphs.map((w) => w.properties.title)).toEqual(expectedGraphTitles(servers));
    expect(expectOnlyEmittedMetrics(graphs)).toBeGreaterThan(servers.length * 3);
    expect(dashboardOf(bothTemplate).widgets[0].properties.markdown).toMatch(/REST API and the HTTP API/);
  });

  it("shows each server's requests, 4xx, 5xx and latency on both APIs, labelled by API", () => {
    for (const server of servers) {
      const requests = graphTitled(graphs, `${server.name}: requests, 4xx, 5xx`).properties.metrics!;
      expect(requests.map((row) => [row[0], row[1], (row.at(-1) as { label: string }).label])).toEqual([
        ['AWS/ApiGateway', 'Count', 'REST API requests'],
        ['AWS/ApiGateway', '4XXError', 'REST API 4xx'],
        ['AWS/ApiGateway', '5XXError', 'REST API 5xx'],
        ['AWS/ApiGateway', 'Count', 'HTTP API requests'],
        ['AWS/ApiGateway', '4xx', 'HTTP API 4xx'],
        ['AWS/ApiGateway', '5xx', 'HTTP API 5xx'],
      ]);
      expect(requests.map(dimensionsOf)).toEqual([
        ...Array(3).fill(restRoute(server)),
        ...Array(3).fill(httpRoute(server)),
      ]);
      const latency = graphTitled(graphs, `${server.name}: latency`).properties.metrics!;
      expect(latency.map((row) => [row[1], (row.at(-1) as { stat: string }).stat])).toEqual([
        ['Latency', 'p50'],
        ['Latency', 'p99'],
        ['Latency', 'p50'],
        ['Latency', 'p99'],
      ]);
      expect(latency.map(dimensionsOf)).toEqual([
        restRoute(server),
        restRoute(server),
        httpRoute(server),
        httpRoute(server),
      ]);
    }
  });

  it('has the function alarms and a 5xx-rate and p99 alarm per server and API', () => {
    expect(Object.keys(alarms).sort()).toEqual(
      [...FUNCTION_ALARMS, ...throttleAlarms, ...apiAlarms('Rest'), ...apiAlarms('Http')].sort(),
    );
    for (const server of servers) {
      const name = pascalCase(server.name);
      for (const [id, route, errors] of [
        ['Rest', restRoute(server), '5XXError'],
        ['Http', httpRoute(server), '5xx'],
      ] as const) {
        expect(alarms[`${name}${id}ServerErrors`].Threshold).toBe(ALARM_DEFAULTS.serverErrorPercent);
        expect(alarmMetrics(alarms[`${name}${id}ServerErrors`])).toEqual([
          { name: 'Count', dimensions: route },
          { name: errors, dimensions: route },
        ]);
        expect(alarms[`${name}${id}LatencyP99`]).toMatchObject({
          ExtendedStatistic: 'p99',
          Threshold: ALARM_DEFAULTS.latencyP99Ms,
          EvaluationPeriods: 3,
        });
        expect(alarmMetrics(alarms[`${name}${id}LatencyP99`])).toEqual([{ name: 'Latency', dimensions: route }]);
      }
    }
    expect(alarms.KeyStoreUnavailable).toMatchObject({ MetricName: 'AuthorizationDecisions', Threshold: 1 });
    expect(alarms.UnknownKeyBurst).toMatchObject({ Threshold: ALARM_DEFAULTS.unknownKeyDenials });
  });

  it('notifies the alarm email from context on ALARM and OK', () => {
    const [topicId] = Object.keys(resourcesOf(bothTemplate, 'AWS::SNS::Topic'));
    bothTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    for (const alarm of Object.values(alarms)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it("traces the stack's functions from context, and leaves the imported APIs' stages alone", () => {
    const functions = Object.values(resourcesOf(bothTemplate, 'AWS::Lambda::Function'));
    expect(functions.length).toBe(servers.length + 1);
    for (const fn of functions) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    for (const type of ['AWS::ApiGateway::Stage', 'AWS::ApiGatewayV2::Stage', 'Custom::LogRetention']) {
      bothTemplate.resourceCountIs(type, 0);
    }
  });

  it('warns of nothing missing and passes cdk-nag AwsSolutions', () => {
    Annotations.fromStack(both).hasNoWarning('*', Match.stringLikeRegexp(CONTEXT_KEYS.existingRestApiName));
    expect(unacknowledgedNagFindings(app, both)).toEqual([]);
  });
});

describe('ExistingApisStack observability on an HTTP API alone', () => {
  it("reads its $default stage's route metrics; alarms have no action without an email", () => {
    const graphs = graphsOf(httpOnlyTemplate);
    const alarms = alarmsOf(httpOnlyTemplate);
    expect(graphs.map((w) => w.properties.title)).toEqual(expectedGraphTitles(servers));
    for (const server of servers) {
      const requests = graphTitled(graphs, `${server.name}: requests, 4xx, 5xx`).properties.metrics!;
      expect(requests.map((row) => row[1])).toEqual(['Count', '4xx', '5xx']);
      for (const row of requests) expect(dimensionsOf(row)).toEqual(httpRoute(server, 'h9h9h9h9h9'));
    }
    expect(Object.keys(alarms).sort()).toEqual([...FUNCTION_ALARMS, ...throttleAlarms, ...apiAlarms('Http')].sort());
    httpOnlyTemplate.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toBeUndefined();
    for (const fn of Object.values(resourcesOf(httpOnlyTemplate, 'AWS::Lambda::Function'))) {
      expect(fn.Properties.TracingConfig).toBeUndefined();
    }
  });
});

describe('ExistingApisStack observability on a REST API without its name', () => {
  it('has the function rows and alarms only, no API Gateway figures', () => {
    const graphs = graphsOf(unnamedRestTemplate);
    expect(graphs.map((w) => w.properties.title)).toEqual(expectedGraphTitles(servers, { apiGateway: false }));
    expect(expectOnlyEmittedMetrics(graphs)).toBeGreaterThan(servers.length * 3);
    for (const widget of graphs) {
      for (const row of widget.properties.metrics ?? []) expect(row[0]).not.toBe('AWS/ApiGateway');
    }
    expect(Object.keys(alarmsOf(unnamedRestTemplate)).sort()).toEqual([...FUNCTION_ALARMS, ...throttleAlarms].sort());
    expect(dashboardOf(unnamedRestTemplate).widgets[0].properties.markdown).not.toMatch(/API Gateway/);
  });

  it('says so in one synth warning naming the context keys that fix it', () => {
    const warnings = Annotations.fromStack(unnamedRest).findWarning(
      '*',
      Match.stringLikeRegexp(CONTEXT_KEYS.existingRestApiName),
    );
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0].entry.data)).toContain(CONTEXT_KEYS.existingRestApiStage);
  });
});
