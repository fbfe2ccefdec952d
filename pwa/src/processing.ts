// How many working days a procedure allows (server/calendar/rules.py processing_days):
// 0 for a same-day procedure; extended for verification, its `extended_days` when it
// has them, same-day ones included (marriage: at once, or 5 working days).
// tests/vectors/processing.json keeps the two in agreement.

export interface ProcessingRule {
  kind: string;
  days?: number | null;
  extended_days?: number | null;
}

export function processingDays(p: ProcessingRule, extended = false): number {
  if (extended && p.extended_days) return p.extended_days;
  if (p.kind === 'same_day') return 0;
  return p.days ?? 0;
}
