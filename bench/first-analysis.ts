import { analyzeFilterPattern } from '../rule/filter-pattern';
import { CIS_EVENT_NAMES } from '../rule/events/canonical';
import { timeMs } from './measure';

/** Prints the milliseconds of the first analysis of argv[2] (against the CIS events) in this fresh process. */
process.stdout.write(String(timeMs(() => analyzeFilterPattern(process.argv[2], CIS_EVENT_NAMES))));
