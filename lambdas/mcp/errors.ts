import { McpGateError } from '../shared/errors';

/** A downstream call could not complete (network failure, refused URL, redirect loop). */
export class DownstreamError extends McpGateError {}
