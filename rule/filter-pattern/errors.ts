/**
 * A pattern CloudWatch Logs would reject (PutMetricFilter: InvalidParameterException), with where and why.
 * `position` is a 0-based offset into the pattern text; `token` is the offending text at that position.
 */
export class FilterPatternError extends Error {
  override name = 'FilterPatternError';
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly token: string,
  ) {
    super(`Invalid filter pattern at position ${position + 1}${token ? ` ("${token}")` : ''}: ${reason}`);
  }
}
