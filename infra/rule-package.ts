/**
 * The rule's Lambda code as a zip file, for deployments that cannot publish CDK assets: a CloudFormation StackSet
 * creates the function in every account and region of an organization from `s3://PREFIX-REGION/KEY`, and Lambda
 * reads a function's code only from a bucket in the function's own region. The key names the zip's SHA-256, so the
 * template synth writes and the file this script uploads can only be the same code.
 *
 *   npx tsx infra/rule-package.ts --out dist                                        # writes dist/KEY
 *   npx tsx infra/rule-package.ts --bucket-prefix acme-s3pw-code --regions us-east-1,eu-west-1   # uploads
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { buildSync } from 'esbuild';

/** Where the rule's code lives inside a code bucket. */
export const RULE_CODE_KEY_PREFIX = 's3-policy-watch/rule-';

/** The bundle the stack's NodejsFunction builds too: minified, with a source map, the AWS SDK left to the runtime. */
export const RULE_BUNDLING = { minify: true, sourceMap: true, sourcesContent: false, externalModules: ['@aws-sdk/*'] } as const;

const PROJECT_ROOT = path.join(__dirname, '..');

export interface RulePackage {
  /** The zip: index.js (exports `handler`) and index.js.map. */
  zip: Buffer;
  /** `s3-policy-watch/rule-<first 16 hex digits of the zip's SHA-256>.zip`. */
  key: string;
}

let built: RulePackage | undefined;

/** Bundles rule/handler.ts with esbuild and zips it, byte for byte the same on every machine (memoized). */
export function rulePackage(): RulePackage {
  if (built) return built;
  const result = buildSync({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: ['rule/handler.ts'],
    outfile: 'index.js',
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: RULE_BUNDLING.minify,
    sourcemap: RULE_BUNDLING.sourceMap,
    sourcesContent: RULE_BUNDLING.sourcesContent,
    external: [...RULE_BUNDLING.externalModules],
    logLevel: 'silent',
  });
  const files = result.outputFiles
    .map((file) => ({ name: path.relative(PROJECT_ROOT, file.path).split(path.sep).join('/'), content: Buffer.from(file.contents) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const zip = zipFiles(files);
  built = { zip, key: `${RULE_CODE_KEY_PREFIX}${createHash('sha256').update(zip).digest('hex').slice(0, 16)}.zip` };
  return built;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A zip archive (deflate) of the files, with a fixed timestamp (1980-01-01) and permissions (0644), so that the same
 * files always make the same bytes: Node.js has no zip writer, and the key is the archive's hash.
 */
export function zipFiles(files: { name: string; content: Buffer }[]): Buffer {
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const entries: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const { name, content } of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(content, { level: 9 });
    const crc = crc32(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    entries.push(local, nameBytes, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100644 << 16) >>> 0), 38); // regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    directory.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...entries, directoryBytes, end]);
}

/** `PREFIX-REGION`: the code bucket of a region (S3 bucket names are global; Lambda reads code from its own region). */
export function codeBucketName(prefix: string, region: string): string {
  return `${prefix}-${region}`;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, 'bucket-prefix': { type: 'string' }, regions: { type: 'string' } }, strict: true });
  const { zip, key } = rulePackage();
  const prefix = values['bucket-prefix'];
  if (values.out !== undefined || prefix === undefined) {
    const file = path.join(values.out ?? 'dist', key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, zip);
    process.stdout.write(`${file} (${zip.length.toLocaleString('en-US')} bytes)\n`);
  }
  if (prefix === undefined) return;
  const regions = (values.regions ?? '').split(',').map((region) => region.trim()).filter(Boolean);
  if (regions.length === 0) throw new Error('--bucket-prefix needs --regions: the regions of the StackSet, comma-separated');
  // Deploy-time only (a devDependency): the Lambda bundle never contains the S3 client.
  const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const { makeClient } = await import('../rule/clients');
  for (const region of regions) {
    const bucket = codeBucketName(prefix, region);
    await makeClient(S3Client, { region }).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, ContentType: 'application/zip' }));
    process.stdout.write(`uploaded s3://${bucket}/${key}\n`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exitCode = 2;
  });
}
