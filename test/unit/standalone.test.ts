import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referencesOutside } from '../support/standalone';

// A fresh clone has nothing beside it: no tracked source, test, script, config or doc may refer to a path above
// the repository root. The examples below are assembled from pieces so that this file does not itself refer to one.
const ROOT = join(__dirname, '..', '..');
const UP = '..';
const SHARED = [UP, 'shared', 'corpus', 'cases.json'].join('/');
const MACHINE = ['', 'work', 'shared', 'design.md'].join('/');

/** Tracked files a person or a tool reads as text; the reference data's own contents are data, not references. */
function trackedTextFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && (!file.startsWith('reference-data/') || file === 'reference-data/README.md') && file !== 'package-lock.json');
}

describe('the repository stands alone', () => {
  test('no tracked file refers to a path outside the repository', () => {
    const files = trackedTextFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', '.ci/run', 'jest.config.js', 'bin/s3-policy-watch.js']));
    const found = files.flatMap((file) => {
      const content = readFileSync(join(ROOT, file), 'utf8');
      return content.includes('\0') ? [] : referencesOutside(file, content);
    });
    expect(found.map((ref) => `${ref.file}:${ref.line}: ${ref.text} (${ref.why})`)).toEqual([]);
  });
});

describe('what the guard catches', () => {
  const why = (file: string, content: string) => referencesOutside(file, content).map((ref) => ref.why);

  test('a test that reads the sibling shared folder', () => {
    const test = `const cases = JSON.parse(readFileSync('${SHARED}', 'utf8'));`;
    expect(referencesOutside('test/unit/conformance.test.ts', `\n${test}`)).toEqual([
      { file: 'test/unit/conformance.test.ts', line: 2, text: `${UP}/shared`, why: 'the sibling folder "shared" exists only beside the development checkout' },
    ]);
    expect(why('bench/run.ts', `join(process.cwd(), '${UP}', 'shared')`)).toContain('the sibling folder "shared" exists only beside the development checkout');
  });

  test('an absolute path of the development machine', () => {
    expect(why('docs/deploy.md', `see ${MACHINE} for the design`)).toEqual(['an absolute path on one machine']);
    expect(why('ci.sh', `cp out.json ${['', 'root', 'i'].join('/')}`)).toEqual(['an absolute path on one machine']);
  });

  test('a regular expression with flags is not a path', () => {
    expect(why('test/unit/a.test.ts', "['the root user', 'PutBucketPolicy -Root', /root/i],")).toEqual([]);
  });

  test('relative paths that climb above the root from the file\'s own folder', () => {
    const three = [UP, UP, UP, 'x.json'].join('/');
    expect(why('test/unit/a.test.ts', `import data from '${three}';`)).toEqual(['resolves above the repository root from test/unit/']);
    expect(why('docs/deploy.md', `[design](${[UP, UP, 'design.md'].join('/')})`)).toEqual(['resolves above the repository root from docs/']);
    expect(why('jest.config.js', `roots: ['${UP}']`)).toEqual(['resolves above the repository root from the root']);
    expect(why('test/unit/a.test.ts', `readFileSync(join(__dirname, '${UP}', '${UP}', '${UP}', 'corpus.json'))`)).toEqual([
      'resolves above the repository root from test/unit/',
    ]);
    expect(why('.ci/run', `cd "$(dirname "$0")/${UP}/${UP}"`)).toEqual(['resolves above the repository root from .ci/']);
  });

  test('paths that stay inside are not reported', () => {
    expect(why('test/unit/a.test.ts', `import { x } from '${UP}/${UP}/rule/x'; const y = [...list];`)).toEqual([]);
    expect(why('test/unit/a.test.ts', `readFileSync(join(__dirname, '${UP}', '${UP}', 'reference-data', 'cases.json'))`)).toEqual([]);
    expect(why('.ci/run', `cd "$(dirname "$0")/${UP}"`)).toEqual([]);
    expect(why('README.md', 'https://docs.aws.amazon.com/home/x and a range 1..5 and a/b/../c')).toEqual([]);
  });
});
