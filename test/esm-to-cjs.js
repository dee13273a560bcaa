// oidc-provider and jose ship ES modules only; jest's CommonJS runtime loads them compiled by esbuild
// (the Lambda bundle is built the same way).
const { transformSync } = require('esbuild');

module.exports = {
  process(sourceText, sourcePath) {
    const { code } = transformSync(sourceText, {
      format: 'cjs',
      loader: 'js',
      target: 'node20',
      sourcefile: sourcePath,
    });
    return { code };
  },
};
