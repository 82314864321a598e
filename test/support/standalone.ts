import { posix } from 'node:path';

/** A place in a tracked file that refers to a path outside the repository. */
export interface OutsideReference {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** `..` segments in a row: `..`, `../..`, … */
const UPS = String.raw`((?:\.\.\/)*\.\.)(?![\w.])`;

const RULES: Array<{ pattern: RegExp; why: (match: RegExpExecArray, folder: string) => string | null }> = [
  {
    // The development checkout's neighbour; whatever it is resolved from, a fresh clone does not have it.
    pattern: /\.\.\/shared\b|['"`]\.\.['"`]\s*,\s*['"`]shared['"`]/g,
    why: () => 'the sibling folder "shared" exists only beside the development checkout',
  },
  {
    pattern: /(?<![\w.:/~-])\/(?:work|home|root|Users)\/[\w.-]+/g,
    // `/root/i,` is a regular expression with its flags, not a path.
    why: (match) => (/^\/\w+\/[dgimsuyv]+$/.test(match[0]) && /^[,)\];]/.test(match.input.slice(match.index + match[0].length)) ? null : 'an absolute path on one machine'),
  },
  {
    // A relative path that starts with `..`, read from the file's own folder.
    pattern: new RegExp(String.raw`(?<![\w.$}/-])${UPS}`, 'g'),
    why: (match, folder) => escapes(folder, match[1]!),
  },
  {
    // `..` after the script's or module's own folder: $(dirname "$0")/.., ${__dirname}/.., __dirname + '/..'
    pattern: new RegExp(String.raw`(?:\$\(dirname\s+"?\$(?:0|\{BASH_SOURCE\[0\]\})"?\)|\$\{__dirname\}|__dirname\s*\+\s*['"\`])\/${UPS}`, 'g'),
    why: (match, folder) => escapes(folder, match[1]!),
  },
  {
    // join(__dirname, '..', '..', 'x') / resolve(__dirname, ...) with literal segments
    pattern: /\b(?:join|resolve)\(\s*__dirname((?:\s*,\s*(['"`])[^'"`\n]*\2)+)\s*\)/g,
    why: (match, folder) => escapes(folder, [...match[1]!.matchAll(/(['"`])([^'"`\n]*)\1/g)].map((m) => m[2]!).join('/')),
  },
];

/** Why `relative`, read from `folder` (relative to the repository root), leaves the repository; null when it stays inside. */
function escapes(folder: string, relative: string): string | null {
  const resolved = posix.normalize(posix.join(folder, relative));
  return resolved === '..' || resolved.startsWith('../') ? `resolves above the repository root from ${folder === '.' ? 'the root' : `${folder}/`}` : null;
}

/** Every reference in `content` (the text of tracked file `file`) to a path outside the repository. */
export function referencesOutside(file: string, content: string): OutsideReference[] {
  const folder = posix.dirname(file);
  const found: OutsideReference[] = [];
  for (const { pattern, why } of RULES) {
    for (const match of content.matchAll(pattern)) {
      const reason = why(match as RegExpExecArray, folder);
      if (!reason) continue;
      const line = content.slice(0, match.index).split('\n').length;
      found.push({ file, line, text: match[0], why: reason });
    }
  }
  return found;
}
