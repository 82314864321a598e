/**
 * Where the AWS documentation is ambiguous (docs/spec/filter-patterns.md §8, A1–A19), the engine follows the
 * reading stated in the spec. Every such choice is a named flag here, so it can be flipped in one place once it
 * is settled against a real account with `aws logs test-metric-filter`. The coverage tests re-run the account
 * corpus with flags flipped to show which verdicts depend on them.
 */
export interface Readings {
  /** A1: a term matches when it is contained in the message (ERROR matches ERRORCODE), not only as a whole word. */
  termContainment: boolean;
  /** A2: `?` terms are ignored when the pattern also has plain or `-` terms (documented), rather than forming OR groups. */
  optionalTermsIgnoredWhenMixed: boolean;
  /** A3: a quoted phrase of only spaces (`" "`) matches every event, as the docs' "match everything" example. */
  blankPhraseMatchesAll: boolean;
  /** A4: `!=` on a key the event does not have is false (extension of the documented array/object rule). */
  notEqualsOnAbsentKey: boolean;
  /** A5: a `*` in the middle of a value is a literal character (archived docs); false = glob. */
  midValueStarIsLiteral: boolean;
  /** A6: `$.*` / `[*]` select one level (direct children), not every descendant. */
  wildcardSelectsOneLevel: boolean;
  /**
   * A7: a space-delimited pattern without `...` must account for every field of the message (archived docs) —
   * false: the last field takes the rest of the line, so `[w1=ERROR, w2]` matches longer lines whose first word is
   * ERROR (current docs page; docs/spec/filter-patterns.md A7).
   */
  spaceDelimitedWholeMessage: boolean;
  /** A12: a number literal compares only with JSON numbers, a string only with JSON strings (no coercion). */
  numberMatchesNumericString: boolean;
  /** A12: a lone `*` ("has a value") also accepts numbers and booleans; never null, objects or arrays. */
  starMatchesNonStrings: boolean;
}

export const DEFAULT_READINGS: Readonly<Readings> = Object.freeze({
  termContainment: true,
  optionalTermsIgnoredWhenMixed: true,
  blankPhraseMatchesAll: true,
  notEqualsOnAbsentKey: false,
  midValueStarIsLiteral: true,
  wildcardSelectsOneLevel: true,
  spaceDelimitedWholeMessage: false,
  numberMatchesNumericString: false,
  starMatchesNonStrings: true,
});

/**
 * A13: the characters a JSON comparison value may contain without double quotes. The docs ask for quotes around
 * strings with characters other than letters and digits, yet AWS's own examples leave `s3.amazonaws.com`,
 * `123.123.*` and `us-east-1` bare; `_` and `:`/`/` (ARNs, paths) are read as accepted too. Anything else — `$`
 * (so `{ $.a = $.b }` is not a comparison of two fields), `@`, `\`, quotes, non-ASCII — makes the pattern invalid.
 * A parse-time reading, not a flag: it decides what is a pattern at all.
 */
export const UNQUOTED_VALUE_CHARACTER = /^[A-Za-z0-9_.\-*:/]$/;
