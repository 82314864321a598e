#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI directly (tsx), so `npx s3-policy-watch` works right after `npm ci` with no build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const { main } = require('../cli/main.ts');
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
