import './node20-sdk-warning';
import { App } from 'aws-cdk-lib';
import { buildMcpGateApp } from '../lib/app';

/**
 * The CDK app (`npx cdk synth`): the `McpGate` stack, plus `McpGateExistingApis` when
 * context names an existing API (`-c mcp-gate:existingRestApiId=…`, see lib/settings.ts).
 * Synthesizes offline: no AWS account, credentials or Docker (esbuild bundles locally).
 */
buildMcpGateApp(new App());
