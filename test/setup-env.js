// Lambda runs Node.js 22; the AWS SDK's Node.js 20 support warning would only clutter test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
