/**
 * The CloudWatch Logs filter-pattern language: parse, match, analyse coverage.
 * Pure: plain data in, plain data out; no SDK, no I/O.
 */
export { FilterPatternError } from './errors';
export { parseFilterPattern, type FilterPattern } from './parse';
export { testMetricFilter, matchesMessage, type MetricFilterMatch, type TestMetricFilterResult } from './match';
export {
  analyzeFilterPattern,
  analyzeMetricValue,
  resolveRequiredEvents,
  RequiredEventsError,
  type FilterAnalysis,
  type MetricValueAnalysis,
} from './analyze';
export { DEFAULT_READINGS, type Readings } from './readings';
