// What a schema from a newer server may hold that this build does not know (a check kind,
// a condition, a field type): skipped, never thrown (sync/forms/README.md, Forward
// compatibility), and said once per kind on the console so that it can be noticed.

const told = new Set<string>();

export function warnUnknown(what: 'check' | 'condition' | 'field type', kind: string): void {
  const key = `${what}\u0000${kind}`;
  if (told.has(key)) return;
  told.add(key);
  console.warn(`form schema: unknown ${what} ${kind}, skipped (from a newer server; it validates at submit)`);
}
