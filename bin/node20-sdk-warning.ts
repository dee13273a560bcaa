// The AWS SDK warns once per process that its releases from 2027 need Node.js 22. Lambda runs
// Node.js 22; on a laptop with Node.js 20 the warning only buries the CLI's own output. The SDK
// reads this variable when its first client is built, after this module has run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
