import { Duration, Stack, type CfnElement, type CfnResource } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ConfigError } from '../config/errors';
import { isGuarded } from '../config/identity-sources';
import {
  METRICS_NAMESPACE,
  TOOL_OUTCOMES,
  type DimensionOf,
  type MetricOf,
  type MetricRecordName,
} from '../lambdas/shared/metrics';
import {
  apiMetric,
  httpRouteSource,
  restMethodSource,
  restStageSource,
  type ApiFigure,
  type ApiMetricSource,
} from './api-metrics';
import type { GateHttpApi } from './http-api';
import type { McpServerFunction } from './mcp-server-function';
import type { OAuthServers } from './oauth-servers';
import { acknowledgeAlarmTopic, acknowledgeLogRetentionFunction, acknowledgeTracing } from './nag';
import { pascalCase } from './settings';

/** What the stack's operator chooses about monitoring (context keys in lib/settings.ts). */
export interface ObservabilityOptions {
  /**
   * X-Ray active tracing on every function and on the API stage.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Where alarm notifications go: an SNS topic with this email subscription is created and
   * every alarm notifies it. Without it the alarms exist with no action.
   * @default - no topic, no alarm action
   */
  readonly alarmEmail?: string;
  /** @default ALARM_DEFAULTS */
  readonly thresholds?: Partial<AlarmThresholds>;
}

/** The figures the alarms compare against. */
export interface AlarmThresholds {
  /** A server's 5xx share of its requests, in percent, over five minutes (counted from 10 requests up). */
  readonly serverErrorPercent: number;
  /** A server's p99 latency in milliseconds, three five-minute periods in a row. */
  readonly latencyP99Ms: number;
  /** Unknown-key denials across the stack in five minutes. */
  readonly unknownKeyDenials: number;
}

export const ALARM_DEFAULTS: AlarmThresholds = {
  serverErrorPercent: 5,
  latencyP99Ms: 10_000,
  unknownKeyDenials: 50,
};

/**
 * An API a stack attaches its servers to without owning it: the dashboard and alarms read each
 * server's figures where API Gateway publishes them, and leave the API's stage as it is.
 */
export interface ImportedApiMetrics {
  /** Joins the server's name in its alarm names (`<Server><id>ServerErrors`), e.g. `Rest`. */
  readonly id: string;
  /** Names the API on the dashboard's lines and in the alarms' descriptions, e.g. `REST API`. */
  readonly label: string;
  /** Where API Gateway counts a server's requests of one method on one of its routes. */
  readonly sourceOf: (route: string, method: string) => ApiMetricSource;
}

export interface ObservabilityProps extends ObservabilityOptions {
  /**
   * The stack's API. A REST API's figures per server need its stage's per-method metrics, an
   * HTTP API's its stage's detailed (per-route) metrics; an HTTP API has no execution logs and
   * no X-Ray tracing, so only a REST API's stage gets those settings.
   * @default - none: the servers are on `importedApis`
   */
  readonly api?: apigw.RestApi | GateHttpApi;
  /**
   * The APIs the servers are on when the stack does not own one (`api` absent); without any,
   * the dashboard and alarms have the functions' figures only.
   * @default - none
   */
  readonly importedApis?: readonly ImportedApiMetrics[];
  readonly authorizer: lambda.Function;
  /** The servers on `api` (or `importedApis`). */
  readonly servers: readonly McpServerFunction[];
  /**
   * The `oauth` servers on the custom domain, each on a REST API of its own, and their
   * authorization server.
   * @default - none
   */
  readonly oauth?: OAuthServers;
  /** Retention of the stage's execution-log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

const PERIOD = Duration.minutes(5);
/** The method MCP clients send their messages with: the per-server API Gateway figures count it. */
const MESSAGE_METHOD = 'POST';

/** A metric the functions emit (lambdas/shared/metrics.ts), with the dimension values given. */
export function gateMetric<R extends MetricRecordName>(
  _record: R,
  metricName: MetricOf<R>,
  dimensions: Partial<Record<DimensionOf<R>, string>>,
  options: { readonly statistic?: string; readonly label?: string } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: dimensions as Record<string, string>,
    statistic: options.statistic ?? 'Sum',
    label: options.label,
    period: PERIOD,
  });
}

/** A server on the dashboard: its function and where API Gateway counts its requests (the API's id and label when several). */
interface MonitoredServer {
  readonly mcp: McpServerFunction;
  readonly sources: readonly { readonly source: ApiMetricSource; readonly id?: string; readonly label?: string }[];
}

/**
 * mcp-gate's monitoring: one CloudWatch dashboard (per server: requests, 4xx, 5xx and latency
 * from API Gateway, authorizer decisions, tool calls, errors and durations per tool, throttles;
 * stack-wide: key-store errors, unknown-key denials, downstream calls, cold starts; the OAuth
 * authorization server when there is one), the alarms docs/observability.md explains, an
 * optional SNS topic with an email subscription, opt-in X-Ray tracing, and a retention for the
 * REST stages' execution-log groups. The same on a REST or an HTTP API.
 */
export class Observability extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm, by a stable name (`KeyStoreUnavailable`, `<Server>ServerErrors`, …). */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Present when `alarmEmail` is given. */
  public readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const thresholds = { ...ALARM_DEFAULTS, ...props.thresholds };
    const { api, oauth } = props;
    const restApi = api instanceof apigw.RestApi ? api : undefined;
    const imported = api ? [] : (props.importedApis ?? []);
    const servers: MonitoredServer[] = [
      ...props.servers.map((mcp) => ({
        mcp,
        sources: !api
          ? imported.map(({ id, label, sourceOf }) => ({
              id,
              label,
              source: sourceOf(mcp.server.routes[0], MESSAGE_METHOD),
            }))
          : [
              {
                source:
                  api instanceof apigw.RestApi
                    ? restMethodSource(api, mcp.server.routes[0], MESSAGE_METHOD)
                    : httpRouteSource(api.api, api.stage, mcp.server.routes[0], MESSAGE_METHOD),
              },
            ],
      })),
      // An oauth server's API serves it alone: its stage's figures are the server's, with no per-method metrics to pay for.
      ...(oauth?.servers ?? []).map(({ mcp, api: own }) => ({ mcp, sources: [{ source: restStageSource(own) }] })),
    ];
    const restApis = [
      ...(restApi ? [restApi] : []),
      ...(oauth
        ? [...oauth.servers.map((deployed) => deployed.api), oauth.discoveryApi, oauth.authorizationServerApi]
        : []),
    ];
    const functions: lambda.Function[] = [
      props.authorizer,
      ...servers.map((s) => s.mcp.handler),
      ...(oauth ? [oauth.authorizationServer] : []),
    ];

    if (props.tracing) enableTracing(restApis, functions);

    // API Gateway creates these groups on a stage's first execution log, with no retention. A
    // LogRetention (a custom resource) sets the retention whether or not the group exists yet:
    // a LogGroup resource of that name would fail on stacks whose API already logged.
    for (const rest of restApis) {
      new logs.LogRetention(this, rest === restApi ? 'ExecutionLogRetention' : `ExecutionLogRetention${rest.node.id}`, {
        logGroupName: `API-Gateway-Execution-Logs_${rest.restApiId}/${rest.deploymentStage.stageName}`,
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      });
    }
    if (restApis.length > 0) {
      acknowledgeLogRetentionFunction(Stack.of(this));
      dependOnPolicyOnly(Stack.of(this));
    }

    if (props.alarmEmail) {
      this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
        displayName: 'mcp-gate alarms',
        enforceSSL: true,
      });
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      acknowledgeAlarmTopic(this.alarmTopic);
    }

    const alarms: Record<string, cloudwatch.Alarm> = {};
    const alarm = (name: string, alarmProps: cloudwatch.AlarmProps) => {
      if (alarms[name]) {
        throw new ConfigError(`two alarms would be named ${name}: rename the server whose name makes it`);
      }
      const created = new cloudwatch.Alarm(this, `${name}Alarm`, alarmProps);
      if (this.alarmTopic) {
        created.addAlarmAction(new actions.SnsAction(this.alarmTopic));
        created.addOkAction(new actions.SnsAction(this.alarmTopic));
      }
      alarms[name] = created;
    };
    /** More than the threshold's share of 5xx answers in five minutes, counted from 10 requests. */
    const serverErrorsAlarm = (name: string, who: string, source: ApiMetricSource, action: string) => {
      const requests = apiMetric(source, 'requests', 'Sum', PERIOD);
      const errors = apiMetric(source, 'serverErrors', 'Sum', PERIOD);
      alarm(name, {
        alarmDescription:
          `More than ${thresholds.serverErrorPercent}% of ${who}'s requests answered 5xx (from 10 requests in five minutes). ` +
          action,
        metric: new cloudwatch.MathExpression({
          expression: 'IF(requests >= 10, 100 * errors / requests, 0)',
          usingMetrics: { requests, errors },
          label: `${who} 5xx %`,
          period: PERIOD,
        }),
        threshold: thresholds.serverErrorPercent,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    };
    /** Any throttled invocation of the function in five minutes. */
    const throttlesAlarm = (name: string, fn: lambda.IFunction, description: string) =>
      alarm(name, {
        alarmDescription: description,
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const figures = (source: ApiMetricSource, prefix = '') =>
      (['requests', 'clientErrors', 'serverErrors'] as const satisfies readonly ApiFigure[]).map((figure) =>
        apiMetric(source, figure, 'Sum', PERIOD, `${prefix}${FIGURE_LABELS[figure]}`),
      );
    const linePrefix = (label?: string) => (label ? `${label} ` : '');
    const latency = (source: ApiMetricSource, prefix = '') =>
      (['p50', 'p99'] as const).map((statistic) =>
        apiMetric(source, 'latency', statistic, PERIOD, `${prefix}${statistic}`),
      );

    alarm('KeyStoreUnavailable', {
      alarmDescription:
        'The authorizer could not read the keys table: keyed servers answer 500 to every caller (fail closed). ' +
        'Check DynamoDB (table status, throttling, the authorizer role) and the authorizer logs (reason key-store-unavailable).',
      metric: gateMetric('authorization', 'AuthorizationDecisions', {
        Outcome: 'error',
        Reason: 'key-store-unavailable',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('UnknownKeyBurst', {
      alarmDescription:
        'Many requests with keys that do not exist: someone may be guessing keys. Find the source IPs in the ' +
        'access log (authorizerError, status 401), and consider a WAF rate rule (REST API); valid keys are unaffected.',
      metric: gateMetric('authorization', 'AuthorizationDecisions', { Outcome: 'unauthorized', Reason: 'unknown-key' }),
      threshold: thresholds.unknownKeyDenials,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    throttlesAlarm(
      'AuthorizerThrottles',
      props.authorizer,
      'Lambda throttled the authorizer: callers of keyed servers get 500. Raise the account concurrency limit ' +
        'or the authorizer cache TTL (mcp-gate:authCacheTtlSeconds).',
    );

    const what = restApi
      ? `${MESSAGE_METHOD} on its first route`
      : api
        ? `the ${MESSAGE_METHOD} route of its first path`
        : imported.length > 0
          ? `${MESSAGE_METHOD} on its first route on the ${imported.map((i) => i.label).join(' and the ')}`
          : undefined;
    const widgets: cloudwatch.IWidget[][] = [
      [
        new cloudwatch.TextWidget({
          markdown:
            (what
              ? `# mcp-gate\nPer server: API Gateway figures for ${what}` +
                (oauth ? ' (an oauth server: every request of its own API)' : '') +
                ', then'
              : '# mcp-gate\nPer server:') + ` the functions' own metrics (namespace ${METRICS_NAMESPACE}).`,
          width: 24,
          height: 2,
        }),
      ],
      [
        graph('Key store errors (authorizer)', [
          gateMetric('authorization', 'AuthorizationDecisions', {
            Outcome: 'error',
            Reason: 'key-store-unavailable',
          }),
        ]),
        graph('Unknown-key denials', [
          gateMetric('authorization', 'AuthorizationDecisions', { Outcome: 'unauthorized', Reason: 'unknown-key' }),
        ]),
        graph('Throttles (Lambda)', [
          props.authorizer.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'authorizer' }),
          ...servers.map(({ mcp }) =>
            mcp.handler.metricThrottles({ period: PERIOD, statistic: 'Sum', label: mcp.server.name }),
          ),
          ...(oauth
            ? [
                oauth.authorizationServer.metricThrottles({
                  period: PERIOD,
                  statistic: 'Sum',
                  label: 'authorization server',
                }),
              ]
            : []),
        ]),
        graph('Cold starts', [
          gateMetric('coldStart', 'ColdStarts', { Service: 'authorizer' }, { label: 'authorizer' }),
          gateMetric('coldStart', 'ColdStarts', { Service: 'mcp' }, { label: 'mcp' }),
        ]),
      ],
      [
        graph(
          'Downstream calls by server, data source and status class',
          [searchOf('downstreamCall', 'DownstreamCalls', ['Server', 'DataSource', 'StatusClass'], 'Sum')],
          12,
        ),
        graph(
          'Downstream call duration p99',
          [searchOf('downstreamCall', 'DownstreamCallDuration', ['Server', 'DataSource'], 'p99')],
          12,
        ),
      ],
    ];

    for (const { mcp, sources } of servers) {
      const server = mcp.server;
      const name = pascalCase(server.name);
      const tools = mcp.toolNames;

      for (const { source, id = '', label } of sources) {
        const who = label ? `${server.name} (${label})` : server.name;
        serverErrorsAlarm(
          `${name}${id}ServerErrors`,
          who,
          source,
          `Read the ${server.name} function's logs (mcp request failed, downstream call failed) and the access log (integrationStatus, authorizerError).`,
        );
        alarm(`${name}${id}LatencyP99`, {
          alarmDescription:
            `${who}'s p99 latency stayed above ${thresholds.latencyP99Ms} ms for 15 minutes. ` +
            'Compare ToolCallDuration and DownstreamCallDuration on the dashboard: a slow downstream API, cold starts or too little memory.',
          metric: apiMetric(source, 'latency', 'p99', PERIOD),
          threshold: thresholds.latencyP99Ms,
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      }
      throttlesAlarm(
        `${name}Throttles`,
        mcp.handler,
        `Lambda throttled ${server.name}'s handler: its callers get 5xx. Raise the account concurrency limit, ` +
          'or lower the stage throttling so API Gateway answers 429 first.',
      );

      const row: cloudwatch.IWidget[] = [
        new cloudwatch.TextWidget({ markdown: `## ${server.name} (${server.authMode})`, width: 24, height: 1 }),
      ];
      if (sources.length > 0) {
        row.push(
          graph(
            `${server.name}: requests, 4xx, 5xx`,
            sources.flatMap(({ source, label }) => figures(source, linePrefix(label))),
          ),
          graph(
            `${server.name}: latency`,
            sources.flatMap(({ source, label }) => latency(source, linePrefix(label))),
          ),
        );
      }
      if (isGuarded(server.authMode)) {
        row.push(
          graph(
            `${server.name}: authorizer decisions`,
            (['allow', 'deny', 'unauthorized', 'error'] as const).map((outcome) =>
              gateMetric(
                'authorization',
                'AuthorizationDecisions',
                { Server: server.name, Outcome: outcome },
                { label: outcome },
              ),
            ),
          ),
        );
      }
      row.push(
        graph(
          `${server.name}: tool calls`,
          tools.map((tool) =>
            gateMetric('toolCall', 'ToolCalls', { Server: server.name, Tool: tool }, { label: tool }),
          ),
        ),
        graph(
          `${server.name}: tool errors`,
          tools.flatMap((tool) =>
            TOOL_OUTCOMES.filter((outcome) => outcome !== 'success').map((outcome) =>
              gateMetric(
                'toolCall',
                'ToolCalls',
                { Server: server.name, Tool: tool, Outcome: outcome },
                { label: `${tool} ${outcome}` },
              ),
            ),
          ),
        ),
        graph(
          `${server.name}: tool duration p50 / p99`,
          tools.flatMap((tool) =>
            (['p50', 'p99'] as const).map((statistic) =>
              gateMetric(
                'toolCall',
                'ToolCallDuration',
                { Server: server.name, Tool: tool },
                { statistic, label: `${tool} ${statistic}` },
              ),
            ),
          ),
        ),
        graph(`${server.name}: handler throttles`, [
          mcp.handler.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'throttles' }),
        ]),
      );
      widgets.push(row);
    }

    if (oauth) {
      // The /oauth/… endpoints (authorize, token, registration, consent) are what clients act through;
      // the discovery documents (/.well-known/…) are shown beside them.
      const endpoints = restStageSource(oauth.authorizationServerApi);
      const discovery = restStageSource(oauth.discoveryApi);
      const fn = oauth.authorizationServer;
      serverErrorsAlarm(
        'AuthorizationServerErrors',
        'the OAuth authorization server',
        endpoints,
        "Read the authorization server function's logs (oauth request failed, oauth handler could not start) and the access log; check the grants table and the cookie secret.",
      );
      throttlesAlarm(
        'AuthorizationServerThrottles',
        fn,
        'Lambda throttled the OAuth authorization server: clients cannot sign in or get tokens (5xx). ' +
          'Raise the account concurrency limit.',
      );
      widgets.push([
        new cloudwatch.TextWidget({ markdown: '## OAuth authorization server', width: 24, height: 1 }),
        graph('authorization server: requests, 4xx, 5xx', [
          ...figures(endpoints, '/oauth '),
          ...figures(discovery, '/.well-known '),
        ]),
        graph('authorization server: latency', latency(endpoints)),
        graph('authorization server: function errors and throttles', [
          fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'errors' }),
          fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'throttles' }),
        ]),
      ]);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { widgets });
    this.alarms = alarms;
  }
}

/** The dashboard's names of API Gateway's figures. */
const FIGURE_LABELS: Readonly<Record<ApiFigure, string>> = {
  requests: 'requests',
  clientErrors: '4xx',
  serverErrors: '5xx',
  latency: 'latency',
};

function graph(title: string, metrics: cloudwatch.IMetric[], width = 6): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left: metrics, width, height: 6 });
}

/** Every metric of that name and dimension set, whatever the values (data sources are only known at run time). */
function searchOf<R extends MetricRecordName>(
  _record: R,
  metricName: MetricOf<R>,
  dimensions: readonly DimensionOf<R>[],
  statistic: 'Sum' | 'p99',
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${dimensions.join(',')}} MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`,
    label: '',
    period: PERIOD,
  });
}

/** X-Ray active tracing on the functions (with the permission to send segments) and on the REST stages. */
function enableTracing(apis: readonly apigw.RestApi[], functions: readonly lambda.Function[]): void {
  for (const api of apis) (api.deploymentStage.node.defaultChild as apigw.CfnStage).tracingEnabled = true;
  for (const fn of functions) {
    (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
    );
    if (fn.role) acknowledgeTracing(fn.role);
  }
}

/**
 * CDK's LogRetention function lists its role in DependsOn although it already references it
 * (cfn-lint W3005): keep only the role's policy, which must exist before the function runs.
 */
function dependOnPolicyOnly(stack: Stack): void {
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('LogRetention')) continue;
    const fn = child.node.tryFindChild('Resource') as CfnResource | undefined;
    const policy = child.node.tryFindChild('ServiceRole')?.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (fn && policy) fn.addOverride('DependsOn', [stack.getLogicalId(policy as CfnElement)]);
  }
}
