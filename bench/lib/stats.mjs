export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export const round = (value, digits = 1) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

/**
 * The middle item, ranked by `badness` (larger is worse). For an even count it is the worse of the
 * two middle items, so a median never flatters.
 */
export function middleOf(items, badness) {
  return [...items].sort((a, b) => badness(b) - badness(a))[Math.floor((items.length - 1) / 2)];
}
