import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../config/errors';
import { servers as configuredServers } from '../../config/servers';
import { buildMcpGateApp } from '../../lib/app';
import { ALARM_DEFAULTS } from '../../lib/observability';
import { deployableServers } from '../../lib/server-functions';
import { CONTEXT_KEYS, pascalCase } from '../../lib/settings';
import { METRIC_RECORDS, METRICS_NAMESPACE } from '../../lambdas/shared/metrics';
import { alarmsOf, dashboardOf, expectedGraphTitles, expectOnlyEmittedMetrics, resourcesOf } from './dashboard';
import { appWithoutBundling, unacknowledgedNagFindings } from './support';

const servers = deployableServers(configuredServers).deployable;

// Arrange once: the app without context (the defaults) and with tracing and an alarm email.
const plainApp = appWithoutBundling();
const plain = buildMcpGateApp(plainApp).main;
const plainTemplate = Template.fromStack(plain);
const fullApp = appWithoutBundling({
  [CONTEXT_KEYS.tracing]: 'true',
  [CONTEXT_KEYS.alarmEmail]: 'ops@example.com',
});
const full = buildMcpGateApp(fullApp).main;
const fullTemplate = Template.fromStack(full);

describe('observability: dashboard', () => {
  const dashboard = dashboardOf(plainTemplate);
  const graphs = dashboard.widgets.filter((w) => w.type === 'metric');

  it('is one dashboard with the stack-wide widgets, then a row per server', () => {
    plainTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(graphs.map((w) => w.properties.title)).toEqual(expectedGraphTitles(servers));
  });

  it('references only metrics the functions emit, with one of their dimension sets', () => {
    expect(expectOnlyEmittedMetrics(graphs)).toBeGreaterThan(servers.length * 3);
  });

  it("shows each server's API Gateway requests, 4xx, 5xx and p50/p99 latency for its route", () => {
    for (const server of servers) {
      const [requests] = graphs.filter((w) => w.properties.title === `${server.name}: requests, 4xx, 5xx`);
      const names = requests.properties.metrics!.map((row) => [row[0], row[1]]);
      expect(names).toEqual([
        ['AWS/ApiGateway', 'Count'],
        ['AWS/ApiGateway', '4XXError'],
        ['AWS/ApiGateway', '5XXError'],
      ]);
      expect(requests.properties.metrics![0]).toEqual(expect.arrayContaining(['Resource', server.routes[0]]));
      const [latency] = graphs.filter((w) => w.properties.title === `${server.name}: latency`);
      expect(latency.properties.metrics!.map((row) => (row.at(-1) as { stat: string }).stat)).toEqual(['p50', 'p99']);
    }
  });

  it('has per-method metrics turned on at the stage, so per-server figures exist', () => {
    plainTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ MetricsEnabled: true })]),
    });
  });
});

describe('observability: alarms', () => {
  const alarms = alarmsOf(plainTemplate);

  it('has the stack-wide alarms and three per server', () => {
    const expected = [
      'KeyStoreUnavailable',
      'UnknownKeyBurst',
      'AuthorizerThrottles',
      ...servers.flatMap((s) => ['ServerErrors', 'LatencyP99', 'Throttles'].map((a) => `${pascalCase(s.name)}${a}`)),
    ];
    expect(Object.keys(alarms).sort()).toEqual(expected.sort());
    for (const alarm of Object.values(alarms)) expect(String(alarm.AlarmDescription).length).toBeGreaterThan(40);
  });

  it('watches the key store through the authorizer decisions with reason key-store-unavailable', () => {
    expect(alarms.KeyStoreUnavailable).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: 'AuthorizationDecisions',
      Dimensions: [
        { Name: 'Outcome', Value: 'error' },
        { Name: 'Reason', Value: 'key-store-unavailable' },
      ],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(METRIC_RECORDS.authorization.dimensionSets).toContainEqual(['Outcome', 'Reason']);
  });

  it('watches unknown-key denials for a burst', () => {
    expect(alarms.UnknownKeyBurst).toMatchObject({
      MetricName: 'AuthorizationDecisions',
      Dimensions: [
        { Name: 'Outcome', Value: 'unauthorized' },
        { Name: 'Reason', Value: 'unknown-key' },
      ],
      Threshold: ALARM_DEFAULTS.unknownKeyDenials,
    });
  });

  it("watches each server's 5xx share, p99 latency and handler throttles", () => {
    for (const server of servers) {
      const name = pascalCase(server.name);
      const errors = alarms[`${name}ServerErrors`];
      expect(errors.Threshold).toBe(ALARM_DEFAULTS.serverErrorPercent);
      const metrics = errors.Metrics as { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
      expect(metrics.find((m) => m.Expression)?.Expression).toBe('IF(requests >= 10, 100 * errors / requests, 0)');
      expect(metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])).sort()).toEqual([
        '5XXError',
        'Count',
      ]);
      expect(alarms[`${name}LatencyP99`]).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        ExtendedStatistic: 'p99',
        Threshold: ALARM_DEFAULTS.latencyP99Ms,
        EvaluationPeriods: 3,
        Dimensions: expect.arrayContaining([{ Name: 'Resource', Value: server.routes[0] }]),
      });
      expect(alarms[`${name}Throttles`]).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles' });
    }
    expect(alarms.AuthorizerThrottles).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles' });
  });

  it('have no action and no topic without an alarm email', () => {
    plainTemplate.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toBeUndefined();
  });

  it('notify an SNS topic with the email subscription when one is given', () => {
    fullTemplate.resourceCountIs('AWS::SNS::Topic', 1);
    fullTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const [topicId] = Object.keys(resourcesOf(fullTemplate, 'AWS::SNS::Topic'));
    const withEmail = alarmsOf(fullTemplate);
    expect(Object.keys(withEmail)).toHaveLength(Object.keys(alarms).length);
    for (const alarm of Object.values(withEmail)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('refuses an alarm email that is not one, naming the context key', () => {
    expect(() => buildMcpGateApp(appWithoutBundling({ [CONTEXT_KEYS.alarmEmail]: 'ops' }))).toThrow(
      new ConfigError('context mcp-gate:alarmEmail must be an email address, got "ops"'),
    );
  });
});

describe('observability: tracing and log retention', () => {
  it('is off by default', () => {
    for (const fn of Object.values(resourcesOf(plainTemplate, 'AWS::Lambda::Function'))) {
      expect(fn.Properties.TracingConfig).toBeUndefined();
    }
    const [stage] = Object.values(resourcesOf(plainTemplate, 'AWS::ApiGateway::Stage'));
    expect(stage.Properties.TracingEnabled).toBeUndefined();
  });

  it('turns on X-Ray for every mcp-gate function and the stage with mcp-gate:tracing=true', () => {
    const traced = Object.entries(resourcesOf(fullTemplate, 'AWS::Lambda::Function')).filter(
      ([id]) => !id.startsWith('LogRetention'),
    );
    expect(traced).toHaveLength(1 + servers.length);
    for (const [, fn] of traced) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    fullTemplate.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
    fullTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' }),
        ]),
      },
    });
  });

  it("gives API Gateway's execution-log group the stack's retention", () => {
    plainTemplate.hasResourceProperties('Custom::LogRetention', {
      LogGroupName: {
        'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.anyValue() }, '/', { Ref: Match.anyValue() }]],
      },
      RetentionInDays: 30,
    });
  });

  it('leaves no cdk-nag finding unacknowledged, with or without tracing and email', () => {
    expect(unacknowledgedNagFindings(plainApp, plain)).toEqual([]);
    expect(unacknowledgedNagFindings(fullApp, full)).toEqual([]);
  });
});
