import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemoAccount, DEMO_EMAIL, DEMO_LOG_GROUP } from '../cli/demo-scenario';
import { startMotoServer, type MotoServer } from '../cli/moto-server';
import { inBatches, SandboxAccount } from '../cli/sandbox-account';
import { regionalClients, type ClientOptions } from '../rule/clients';
import { evaluateAccount } from '../rule/evaluate';
import { gatherSnapshot } from '../rule/gather';
import { DEFAULT_PARAMETERS } from '../rule/parameters';
import { remediationDocument } from '../remediation/document';
import { resolveParameters } from '../remediation/parameters';
import { runAutomation } from '../remediation/runner';
import { ms, stats, table, timeMsAsync, type Section } from './measure';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-northeast-1'];

/** The rule's way: follow the chain (trail -> its log group's filters -> alarms on their metrics -> topics). */
async function evaluateByChain(options: ClientOptions): Promise<{ calls: number; compliance: string }> {
  const { snapshot, apiCalls } = await gatherSnapshot(regionalClients(options), options.region, DEFAULT_PARAMETERS);
  return { calls: apiCalls, compliance: evaluateAccount(snapshot, DEFAULT_PARAMETERS).compliance };
}

/** AWS's largest pages: DescribeMetricFilters returns at most 50 filters, DescribeAlarms at most 100 alarms. */
const AWS_PAGE = { filters: 50, alarms: 100 };

/**
 * The peers' way (Prowler, Steampipe): list every trail, every metric filter and every alarm in every region,
 * then join them. Only the listing is measured here; the join is free by comparison. moto answers each list in
 * one page, so the calls AWS would need are also computed from the items listed and AWS's page sizes.
 */
async function scanEverything(account: SandboxAccount): Promise<{ calls: number; awsCalls: number }> {
  let calls = 0;
  let awsCalls = 0;
  for (const region of REGIONS) {
    const { cloudTrail, logs, cloudWatch } = account.clients(region);
    await cloudTrail.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
    calls++;
    let filters = 0;
    let filterToken: string | undefined;
    do {
      const page = await logs.send(new DescribeMetricFiltersCommand({ nextToken: filterToken }));
      calls++;
      filters += page.metricFilters?.length ?? 0;
      // moto echoes the token it was given without paging; stop when it does not move.
      filterToken = page.nextToken && page.nextToken !== filterToken ? page.nextToken : undefined;
    } while (filterToken);
    let alarms = 0;
    let alarmToken: string | undefined;
    do {
      const page = await cloudWatch.send(new DescribeAlarmsCommand({ NextToken: alarmToken, MaxRecords: AWS_PAGE.alarms }));
      calls++;
      alarms += page.MetricAlarms?.length ?? 0;
      alarmToken = page.NextToken && page.NextToken !== alarmToken ? page.NextToken : undefined;
    } while (alarmToken);
    awsCalls += 1 + Math.max(1, Math.ceil(filters / AWS_PAGE.filters)) + Math.max(1, Math.ceil(alarms / AWS_PAGE.alarms));
  }
  return { calls, awsCalls };
}

function addUnrelated(account: SandboxAccount, from: number, to: number): Promise<void> {
  return inBatches(from, to, async (n) => {
    const region = REGIONS[n % REGIONS.length];
    const group = `/apps/service-${n % 40}`;
    await account.logGroup(group, region);
    await account.metricFilter({ name: `errors-${n}`, logGroup: group, region, pattern: '?ERROR ?FATAL', namespace: 'Apps', metricName: `Errors-${n}` });
    await account.alarm({ name: `errors-${n}`, region, namespace: 'Apps', metricName: `Errors-${n}`, threshold: 5 });
  });
}

async function withMoto<T>(use: (server: MotoServer) => Promise<T>): Promise<T> {
  const server = await startMotoServer();
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

/** Issue 6 §2: API calls and time per evaluation as the account grows, against scanning everything. */
export function benchAccountScale(): Promise<Section> {
  return withMoto(async (server) => {
    const account = new SandboxAccount('210987654321', server.endpoint);
    await account.chain();
    const rows: Array<Array<string | number>> = [];
    let created = 0;
    for (const size of [10, 1000, 5000]) {
      await addUnrelated(account, created, size);
      created = size;
      const ours: number[] = [];
      let oursCalls = 0;
      let compliance = '';
      for (let run = 0; run < 5; run++) {
        ours.push(await timeMsAsync(async () => ({ calls: oursCalls, compliance } = await evaluateByChain(account.options()))));
      }
      const scan: number[] = [];
      let scanCalls = { calls: 0, awsCalls: 0 };
      for (let run = 0; run < 3; run++) scan.push(await timeMsAsync(async () => (scanCalls = await scanEverything(account))));
      const oursMedian = stats(ours).median;
      const scanMedian = stats(scan).median;
      rows.push([
        size.toLocaleString('en-US'),
        compliance,
        oursCalls,
        ms(oursMedian),
        scanCalls.calls,
        scanCalls.awsCalls,
        ms(scanMedian),
        `${(scanCalls.awsCalls / oursCalls).toFixed(1)}×`,
        `${(scanMedian / oursMedian).toFixed(1)}×`,
      ]);
    }
    return {
      title: 'API calls and time per evaluation as the account grows',
      body: [
        `One account on moto with a complete chain (trail → CloudTrail/Default → filter → alarm → subscribed topic) and N unrelated log-group filters with an alarm each, spread over ${REGIONS.join(', ')}. ` +
          '"Rule" is `check` (gather + evaluate, median of 5); "scan everything" lists every trail, metric filter and alarm in every region as the peers do (median of 3), measured side by side in the same run.',
        '',
        table(['unrelated filters + alarms', 'verdict', 'rule: API calls', 'rule: time', 'scan: calls on moto', 'scan: calls on AWS (page sizes)', 'scan: time', 'calls ratio (AWS)', 'time ratio'], rows),
        '',
        `moto answers DescribeMetricFilters and DescribeAlarms in one page; on AWS a page holds at most ${AWS_PAGE.filters} filters or ${AWS_PAGE.alarms} alarms, so the AWS column is computed from the items the scan listed. The rule's calls do not depend on paging: it asks only for the trail's log group and the covering filter's metric.`,
      ].join('\n'),
    };
  });
}

/** Issue 6 §3: the Lambda bundle, and the cost of a cold start (load the handler, evaluate once). */
export function benchColdStart(): Promise<Section> {
  const outDir = join(__dirname, '.out');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'handler.js');
  // The same settings as the CDK stack's NodejsFunction: minified, SDK external (the runtime provides it).
  buildSync({ entryPoints: [join(__dirname, '../rule/handler.ts')], outfile, bundle: true, minify: true, platform: 'node', format: 'cjs', target: 'node20', external: ['@aws-sdk/*'] });
  const bytes = buildSync({ entryPoints: [join(__dirname, '../rule/handler.ts')], write: false, bundle: true, minify: true, platform: 'node', format: 'cjs', target: 'node20', external: ['@aws-sdk/*'] }).outputFiles[0].contents.length;
  return withMoto(async (server) => {
    // moto's default account needs no header, as a handler in Lambda needs none.
    const account = new SandboxAccount('123456789012', server.endpoint);
    await account.chain();
    const script = `
      const t0 = process.hrtime.bigint();
      const { handler } = require(${JSON.stringify(outfile)});
      const t1 = process.hrtime.bigint();
      handler({ invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: new Date().toISOString() }), ruleParameters: '{}', resultToken: 'TESTMODE', accountId: '123456789012', eventLeftScope: false })
        .then((result) => {
          const t2 = process.hrtime.bigint();
          console.log(JSON.stringify({ load: Number(t1 - t0) / 1e6, invoke: Number(t2 - t1) / 1e6, compliance: result.compliance }));
        });`;
    const loads: number[] = [];
    const invokes: number[] = [];
    let compliance = '';
    for (let run = 0; run < 7; run++) {
      const child = spawnSync(process.execPath, ['-e', script], {
        cwd: join(__dirname, '..'),
        encoding: 'utf8',
        env: { ...process.env, AWS_ENDPOINT_URL: server.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });
      const line = child.stdout.trim().split('\n').pop() ?? '';
      if (child.status !== 0 || !line.startsWith('{')) throw new Error(`cold-start run failed: ${child.stderr}`);
      const measured = JSON.parse(line) as { load: number; invoke: number; compliance: string };
      loads.push(measured.load);
      invokes.push(measured.invoke);
      compliance = measured.compliance;
    }
    const load = stats(loads);
    const invoke = stats(invokes);
    return {
      title: 'Lambda bundle size and cold-start cost',
      body: [
        `Bundle (esbuild, minified, \`@aws-sdk/*\` external as in the stack): **${bytes.toLocaleString('en-US')} bytes** (target: under 170 KB).`,
        '',
        `Cold start, 7 fresh Node ${process.version} processes on this machine (Lambda runs nodejs24.x): load the bundle, then one invocation of the handler on a compliant moto account (verdict: ${compliance}; the SDK clients are created, and the verdict is published with PutEvaluations in test mode).`,
        '',
        table(
          ['phase', 'median', 'min', 'max'],
          [
            ['load the handler module', ms(load.median), ms(load.min), ms(load.max)],
            ['first invocation (gather + evaluate + publish)', ms(invoke.median), ms(invoke.min), ms(invoke.max)],
          ],
        ),
      ].join('\n'),
    };
  });
}

/** Issue 6 §5: from NON_COMPLIANT to COMPLIANT in the demo account. */
export function benchRemediation(): Promise<Section> {
  return withMoto(async (server) => {
    const rows: Array<Array<string | number>> = [];
    for (let run = 0; run < 3; run++) {
      const account = new SandboxAccount(`12345678901${run}`, server.endpoint);
      await buildDemoAccount(account);
      const options = account.options();
      const before = await evaluateByChain(options);
      const values = resolveParameters(remediationDocument.parameters, { LogGroupName: DEMO_LOG_GROUP, NotificationEmail: DEMO_EMAIL, AccountId: account.accountId }).values;
      const result = await runAutomation(remediationDocument, values, { clientOptions: options });
      const after = await evaluateByChain(options);
      const ran = result.steps.length;
      rows.push([run + 1, before.compliance, `${ran} of ${remediationDocument.mainSteps.length}`, result.apiCalls, ms(result.ms), after.compliance, before.calls + after.calls]);
    }
    return {
      title: 'Remediation: from NON_COMPLIANT to COMPLIANT',
      body: [
        'The demo account (a near-miss filter with an alarm and a subscriber) in three fresh moto accounts: check, the remediation document run by the runner, check again. ' +
          'The last step (StartConfigRulesEvaluation) fails as not critical on moto, which has no AWS Config.',
        '',
        table(['run', 'before', 'steps run', 'remediation API calls', 'remediation time', 'after', 'check API calls (both)'], rows),
      ].join('\n'),
    };
  });
}
