// Lambda runs Node.js 22; the AWS SDK's Node.js 20 support warning would only clutter test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The functions' log lines and EMF records go to stdout in Lambda and on the local stack; in the
// test suites they would only clutter the output. Tests read them with observeLines().
require('../lambdas/shared/log-output').setLineOutput(() => {});
