// Runs the shared vectors (tests/vectors/forms*.json), which pytest runs against the
// Python validator too: both must give the same errors, warnings and values.

import { describe, expect, it } from 'vitest';

import type { Answers, Issue, JsonValue, Schema, Severity } from './types';
import { validate } from './validator';

interface VectorFile {
  reference: { provinces: string[]; communes: Record<string, string> };
  schemas: Record<string, Schema>;
  vectors: {
    name: string;
    schema: string;
    today: string;
    /** The day of filing, which checks count ages and time limits to; absent: today. */
    filed_on?: string;
    answers: Answers;
    errors: { path: string; code: string }[];
    warnings?: { path: string; code: string }[];
    values?: Record<string, JsonValue>;
  }[];
}

// Every tests/vectors/forms*.json: each file is a world of its own (reference data,
// schemas, vectors), so a rule's vectors can live in a file of their own.
const files = import.meta.glob<VectorFile>('../../../tests/vectors/forms*.json', {
  import: 'default',
  eager: true,
});

type Pair = [string, string];

const sorted = (pairs: Pair[]): Pair[] =>
  [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));

const of = (issues: Issue[], severity: Severity): Pair[] =>
  sorted(issues.filter((i) => i.severity === severity).map((i) => [i.path, i.code]));

const expected = (list: { path: string; code: string }[] | undefined): Pair[] =>
  sorted((list ?? []).map((i) => [i.path, i.code]));

const stem = (path: string): string => path.replace(/^.*\//, '').replace(/\.json$/, '');

describe('shared form vectors', () => {
  it('include tests/vectors/forms.json', () => {
    expect(Object.keys(files).map(stem)).toContain('forms');
  });
});

for (const [path, { reference, schemas, vectors }] of Object.entries(files)) {
  const context = { provinces: reference.provinces, communes: reference.communes };

  describe(`shared form vectors (${stem(path)})`, () => {
    it('has vectors with unique names, each naming a known schema', () => {
      expect(vectors.length).toBeGreaterThan(0);
      expect(new Set(vectors.map((v) => v.name)).size).toBe(vectors.length);
      for (const v of vectors) expect(Object.keys(schemas), v.name).toContain(v.schema);
    });

    for (const vector of vectors) {
      it(vector.name, () => {
        const schema = schemas[vector.schema] as Schema;
        const dates = vector.filed_on === undefined ? { today: vector.today } : { today: vector.today, filed_on: vector.filed_on };
        const result = validate(schema, vector.answers, { ...context, ...dates });
        expect({ errors: of(result.issues, 'error'), warnings: of(result.issues, 'warning') }).toEqual({
          errors: expected(vector.errors),
          warnings: expected(vector.warnings),
        });
        if (vector.values !== undefined) expect(result.values).toEqual(vector.values);
      });
    }
  });
}
