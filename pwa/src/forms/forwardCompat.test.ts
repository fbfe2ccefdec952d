// A phone on an older app build meets a schema from a newer server (sync/forms/README.md,
// Forward compatibility): what it does not know is skipped, never thrown, and nothing the
// person may need to fill is hidden. The server validates again at submit.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MockInstance } from 'vitest';

import { fieldRequired, fieldVisible, sectionVisible } from '../formModel';
import { holds } from './conditions';
import type { Answers, Schema, ValidationContext } from './types';
import { validate } from './validator';

const label = { vi: 'Nhãn', en: 'Label' };
const title = { vi: 'Phần', en: 'Section' };
const context: ValidationContext = { today: '2025-06-15', provinces: [], communes: {} };

/** A schema as it arrives from the catalog: JSON, possibly newer than this build. */
const fromServer = (json: unknown) => json as Schema;
const codes = (schema: Schema, answers: Answers) =>
  validate(schema, answers, context).issues.map((i) => [i.path, i.code]);

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => warn.mockRestore());

describe('an unknown check kind', () => {
  const schema = fromServer({
    sections: [{ id: 's', title, fields: [{ id: 'born', type: 'date', label }, { id: 'other', type: 'date', label }] }],
    checks: [
      { check: 'not_older_than_sibling', field: 's.born', sibling: 's.other', code: 'sibling' },
      { check: 'not_before', field: 's.born', reference: 's.other' },
    ],
  });

  it('is skipped; the checks this build knows still run', () => {
    const answers = { 's.born': '2020-01-01', 's.other': '2021-01-01' };
    expect(codes(schema, answers)).toEqual([['s.born', 'date_before_reference']]);
  });

  it('is reported once by console.warn, however often the form is validated', () => {
    // A kind no other test meets: the console is told once per kind for the whole session.
    const twice = fromServer({ ...schema, checks: [{ check: 'told_once_check', field: 's.born', code: 'x' }, { check: 'told_once_check' }] });
    validate(twice, {}, context);
    validate(twice, { 's.born': '2020-01-01' }, context);
    expect(warn.mock.calls.filter((call) => String(call[0]).includes('told_once_check'))).toHaveLength(1);
  });
});

describe('an unknown condition', () => {
  const later = { field: 's.born', after_birthday: 6 }; // a condition this build cannot read
  const schema = fromServer({
    sections: [
      {
        id: 's',
        title,
        fields: [
          { id: 'born', type: 'date', label },
          { id: 'shown', type: 'text', label, max_length: 3, visible_when: later },
          { id: 'maybe', type: 'text', label, required_when: later },
          { id: 'negated', type: 'text', label, visible_when: { not: later }, required_when: { not: later } },
          { id: 'gate', type: 'checkbox', label },
          { id: 'all_known_false', type: 'text', label, visible_when: { all: [{ field: 's.gate', equals: true }, later] } },
          { id: 'any_known_true', type: 'text', label, required_when: { any: [{ field: 's.gate', equals: true }, later] } },
          { id: 'mother', type: 'text', label },
        ],
      },
      { id: 'hidden_maybe', title, visible_when: later, fields: [{ id: 'x', type: 'text', label, required: true }] },
    ],
    fill_rules: [{ when: later, copy: [{ from: 's.born', to: 's.mother' }] }],
    checks: [{ check: 'days_since', field: 's.born', max: 0, code: 'too_late', when: later }],
  });

  it('shows the field (it is validated and its value kept) but does not make it required', () => {
    const result = validate(schema, { 's.born': '2020-01-01', 's.shown': 'four' }, context);
    expect(result.values['s.shown']).toBe('four');
    expect(result.issues.map((i) => [i.path, i.code])).toEqual([
      ['s.shown', 'too_long'],
      ['hidden_maybe.x', 'required'], // the section is shown, and its own `required` stands
    ]);
  });

  it('stays unknown under `not`: still shown, still not required', () => {
    const result = validate(schema, { 's.negated': 'abc' }, context);
    expect(result.values['s.negated']).toBe('abc');
    expect(result.issues.map((i) => i.path)).not.toContain('s.negated');
  });

  it('decides nothing where a known part already decides `all` / `any`', () => {
    const off = validate(schema, { 's.gate': false, 's.all_known_false': 'abc' }, context);
    expect(off.values['s.all_known_false']).toBeUndefined(); // hidden: the known part is false
    expect(codes(schema, { 's.gate': true })).toContainEqual(['s.any_known_true', 'required']);
    expect(codes(schema, { 's.gate': false })).not.toContainEqual(['s.any_known_true', 'required']);
  });

  it('fills nothing from a fill rule and runs no check it guards', () => {
    const result = validate(schema, { 's.born': '2020-01-01' }, context);
    expect(result.values['s.mother']).toBeUndefined();
    expect(result.issues.map((i) => i.code)).not.toContain('too_late');
  });

  it('reads the same on the draft screen: shown, not required', () => {
    const section = schema.sections[0]!;
    const field = (id: string) => section.fields.find((f) => f.id === id)!;
    expect(fieldVisible(section, field('shown'), {})).toBe(true);
    expect(fieldRequired(field('maybe'), {})).toBe(false);
    expect(fieldVisible(section, field('negated'), {})).toBe(true);
    expect(fieldRequired(field('negated'), {})).toBe(false);
    expect(sectionVisible(schema.sections[1]!, {})).toBe(true);
  });

  it('is reported once by console.warn', () => {
    const told = { field: 's.born', told_once_condition: 1 };
    const twice = fromServer({ sections: [{ id: 's', title, visible_when: told, fields: [{ id: 'born', type: 'date', label, visible_when: told }] }] });
    validate(twice, {}, context);
    validate(twice, {}, context);
    expect(warn.mock.calls.filter((call) => String(call[0]).includes('told_once_condition'))).toHaveLength(1);
  });

  it('a caller says how to read it', () => {
    expect(holds(later as never, () => undefined, true)).toBe(true);
    expect(holds(later as never, () => undefined, false)).toBe(false);
  });
});

describe('an unknown field type', () => {
  const schema = fromServer({
    sections: [
      {
        id: 's',
        title,
        fields: [
          { id: 'plate', type: 'vehicle_plate', label, required: true, region: 'north' },
          { id: 'free', type: 'geo_point', label },
        ],
      },
    ],
  });

  it('is free text: normalized as a string, kept, with no rule of its own', () => {
    const result = validate(schema, { 's.plate': '  29A-123.45 ' }, context);
    expect(result.values).toEqual({ 's.plate': '29A-123.45' });
    expect(result.issues).toEqual([]);
  });

  it('is still required when the schema says so', () => {
    expect(codes(schema, {})).toEqual([['s.plate', 'required']]);
  });

  it('takes any JSON value a newer device wrote, without wrong_type (the server decides)', () => {
    const result = validate(schema, { 's.plate': 'x', 's.free': [21.03, 105.85] }, context);
    expect(result.values['s.free']).toEqual([21.03, 105.85]);
    expect(result.issues).toEqual([]);
  });

  it('is reported once by console.warn', () => {
    const field = { type: 'told_once_type', label };
    const twice = fromServer({ sections: [{ id: 's', title, fields: [{ id: 'a', ...field }, { id: 'b', ...field }] }] });
    validate(twice, { 's.a': 'a', 's.b': 'b' }, context);
    validate(twice, { 's.a': 'c' }, context);
    expect(warn.mock.calls.filter((call) => String(call[0]).includes('told_once_type'))).toHaveLength(1);
  });
});

describe('unknown keys', () => {
  it('on the schema, a section, a field, a check and a condition are ignored', () => {
    const schema = fromServer({
      layout: 'wizard',
      sections: [
        {
          id: 's',
          title,
          icon: 'baby',
          fields: [
            { id: 'a', type: 'text', label, required: true, placeholder: { vi: 'x', en: 'x' } },
            { id: 'b', type: 'text', label, visible_when: { field: 's.a', equals: 'yes', case_sensitive: false } },
          ],
        },
      ],
      checks: [{ check: 'distinct', fields: ['s.a', 's.b'], code: 'same', explain: 'x' }],
    });
    expect(codes(schema, { 's.a': 'yes', 's.b': 'yes' })).toEqual([['s.b', 'same']]);
    expect(codes(schema, {})).toEqual([['s.a', 'required']]);
    expect(warn).not.toHaveBeenCalled();
  });
});
