/**
 * A pattern CloudWatch Logs would reject (PutMetricFilter: InvalidParameterException), with where and why.
 * `offset` is the 0-based index into the pattern text; `position` is what people are shown, in the message and
 * in analyze-filter's JSON alike: the character's number counting from 1, as an editor's column. `token` is the
 * offending text there.
 */
export class FilterPatternError extends Error {
  override name = 'FilterPatternError';
  readonly position: number;
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly token: string,
  ) {
    const position = offset + 1;
    super(`Invalid filter pattern at position ${position}${token ? ` ("${token}")` : ''}: ${reason}`);
    this.position = position;
  }
}
