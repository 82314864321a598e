import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Relative imports of a module: static `import … from`, `export … from`, and lazy `require(…)`. */
function importsOf(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/(?:from\s+|require\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specifiers.flatMap((specifier) => {
    const base = resolve(dirname(file), specifier);
    const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    return target ? [relative(ROOT, target)] : [];
  });
}

/** Every import cycle among the given modules, each as the list of modules around it. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (module: string): void => {
    state.set(module, 'open');
    stack.push(module);
    for (const next of graph.get(module) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(module, 'done');
  };
  for (const module of graph.keys()) if (!state.has(module)) visit(module);
  return cycles;
}

function projectGraph(): Map<string, string[]> {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => /^(cli|remediation|rule|infra)\//.test(file) && existsSync(join(ROOT, file)));
  return new Map(files.map((file) => [file, importsOf(join(ROOT, file), readFileSync(join(ROOT, file), 'utf8'))]));
}

describe('module structure', () => {
  test('no module of cli/, remediation/, rule/ or infra/ imports one that imports it back', () => {
    expect(importCycles(projectGraph()).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  test('the cycle finder reports a cycle through a lazy require, as the old command table had', () => {
    const graph = new Map([
      ['cli/main.ts', ['cli/commands/check.ts']],
      ['cli/commands/check.ts', ['cli/main.ts', 'cli/io.ts']],
      ['cli/io.ts', []],
    ]);
    expect(importCycles(graph)).toEqual([['cli/main.ts', 'cli/commands/check.ts', 'cli/main.ts']]);
    const source = "const load = () => require('./commands/check');\nimport { usageOf } from './usage';";
    expect(importsOf(join(ROOT, 'cli/main.ts'), source)).toEqual(['cli/commands/check.ts', 'cli/usage.ts']);
  });
});
