/** timeOf parses an RFC 3339 time (any fraction digits) to ms; 0 when absent. Never compare them as strings. */
export function timeOf(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}
