/** A CloudFormation value as text: `${Ref}`, `${Resource.Attribute}`, Fn::Join joined. For assertions on templates. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const node = value as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if ('Ref' in node) return `\${${node.Ref}}`;
    if ('Fn::GetAtt' in node) return `\${${node['Fn::GetAtt'].join('.')}}`;
    if ('Fn::Join' in node) return (node['Fn::Join'][1] as unknown[]).map(render).join(node['Fn::Join'][0]);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}
