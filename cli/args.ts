import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ClientOptions } from '../rule/clients';
import { UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command that talks to AWS takes (design.md: region, endpoint URL, credential chain). */
export const AWS_OPTIONS = {
  region: { type: 'string' },
  'endpoint-url': { type: 'string' },
} as const satisfies Options;

/**
 * Strict option parsing: an unknown option, a missing value or a stray argument is a UsageError naming it,
 * followed by the command's usage line.
 */
export function parseOptions<O extends Options>(argv: string[], options: O, usage: string, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args: dashValuesAttached(argv, options), options, strict: true, allowPositionals, tokens: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}\nusage: ${usage}`);
  }
  // parseArgs keeps the last of a repeated option; two values for one setting is a mistake to point out.
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || options[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once; give it once\nusage: ${usage}`);
    seen.add(token.name);
  }
  const { tokens: _tokens, ...result } = parsed;
  return result;
}

/**
 * An option that always takes a value takes the next word even when it starts with a dash, as exclusion
 * patterns do (`--filter-pattern -ERROR`): parseArgs alone would refuse it as ambiguous. A word that is one of
 * the command's own options is still an option (`--filter-pattern --log-event-messages x` lacks its pattern).
 */
export function dashValuesAttached(argv: string[], options: Options): string[] {
  const isOption = (word: string) => word === '--' || (word.startsWith('--') && word.slice(2).split('=')[0]! in options);
  const result: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const next = argv[i + 1];
    if (word === '--') return [...result, ...argv.slice(i)];
    if (word.startsWith('--') && options[word.slice(2)]?.type === 'string' && next?.startsWith('-') && !isOption(next)) {
      result.push(`${word}=${next}`);
      i++;
    } else {
      result.push(word);
    }
  }
  return result;
}

/** A required string option, or a UsageError that names it. */
export function required(value: string | undefined, name: string, usage: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${name}\nusage: ${usage}`);
  return value;
}

/** `--format` with a fixed set of choices. */
export function choice<T extends string>(value: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got "${value}")`);
}

/**
 * Client options from --region (else AWS_REGION / AWS_DEFAULT_REGION) and --endpoint-url. `connection` adds
 * settings the command line has no option for (tests: a local emulator's account header).
 */
export function awsConnection(
  values: { region?: string; 'endpoint-url'?: string },
  usage: string,
  connection: Partial<ClientOptions> = {},
): ClientOptions {
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError(`no region: pass --region or set AWS_REGION\nusage: ${usage}`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new UsageError(`"${region}" is not an AWS region name such as us-east-1 or eu-west-1 (from ${values.region ? '--region' : 'AWS_REGION'})`);
  }
  const endpoint = values['endpoint-url'];
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new UsageError(`--endpoint-url must be an http(s) URL such as http://127.0.0.1:5000 (got "${endpoint}")`);
  }
  return { region, ...(endpoint ? { endpoint } : {}), ...connection };
}
