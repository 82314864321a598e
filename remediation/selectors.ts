/**
 * The JSONPath subset Automation supports in `Outputs[].Selector` and `PropertySelector`: `$` followed by dot
 * children (`.Name`), array indexes (`[0]`) and deep scans (`..Name`). A deep scan always yields a list, as in
 * Automation (its output type is then StringList or MapList). Pure.
 */

type Segment = { kind: 'child'; name: string } | { kind: 'index'; index: number } | { kind: 'deep'; name: string };

export class SelectorError extends Error {
  override name = 'SelectorError';
}

const NAME = '[A-Za-z_][A-Za-z0-9_-]*';
const SEGMENT = new RegExp(`^(?:\\.\\.(${NAME})|\\.(${NAME})|\\[(\\d+)\\])`);

/** Parses a selector; a SelectorError names the position and what Automation would accept there. */
export function parseSelector(selector: string): Segment[] {
  if (!selector.startsWith('$')) throw new SelectorError(`selector "${selector}" must start with "$"`);
  const segments: Segment[] = [];
  let rest = selector.slice(1);
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) {
      const position = selector.length - rest.length + 1;
      throw new SelectorError(
        `selector "${selector}": cannot read "${rest}" at position ${position}; expected .Name, [index] or ..Name`,
      );
    }
    const [text, deep, child, index] = match;
    if (deep !== undefined) segments.push({ kind: 'deep', name: deep });
    else if (child !== undefined) segments.push({ kind: 'child', name: child });
    else segments.push({ kind: 'index', index: Number(index) });
    rest = rest.slice(text.length);
  }
  if (segments.length === 0) throw new SelectorError(`selector "${selector}" selects the whole response; name a field`);
  return segments;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every value under `key` at any depth of `node` (the node itself included), in document order. */
function deepScan(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => deepScan(item, key));
  if (!isObject(node)) return [];
  const here = key in node ? [node[key]] : [];
  return [...here, ...Object.values(node).flatMap((child) => deepScan(child, key))];
}

/** The result of a selector on a response: `found` false when the path does not exist there. */
export type Selection = { found: true; value: unknown } | { found: false };

export function select(selector: string, response: unknown): Selection {
  let nodes: unknown[] = [response];
  let isList = false;
  for (const segment of parseSelector(selector)) {
    if (segment.kind === 'deep') {
      nodes = nodes.flatMap((node) => deepScan(node, segment.name));
      isList = true;
      continue;
    }
    nodes = nodes.flatMap((node) => {
      if (segment.kind === 'child') return isObject(node) && segment.name in node && node[segment.name] !== undefined ? [node[segment.name]] : [];
      return Array.isArray(node) && segment.index < node.length ? [node[segment.index]] : [];
    });
  }
  if (isList) return { found: true, value: nodes };
  return nodes.length === 1 ? { found: true, value: nodes[0] } : { found: false };
}
