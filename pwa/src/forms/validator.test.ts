import { describe, expect, it } from 'vitest';

import { dayNumber, daysBetween, hasTurned, parseDate, parseDateOrYear } from './dates';
import { decodePersonalId } from './personalId';
import type { Answers, Check, Field, Issue, Schema, ValidationContext } from './types';
import { validate } from './validator';

const label = { vi: 'Nhãn', en: 'Label' };
const title = { vi: 'Phần', en: 'Section' };

const context: ValidationContext = {
  today: '2025-06-15',
  provinces: ['01', '79'],
  communes: { '00070': '01', '26734': '79' },
};

type FieldSpec = Omit<Field, 'label'> & Record<string, unknown>;

function f(spec: FieldSpec): Field {
  return { label, ...spec } as Field;
}

/** A schema with one section `s` holding the given fields. */
function oneSection(fields: FieldSpec[], extra: Partial<Schema> = {}): Schema {
  return { sections: [{ id: 's', title, fields: fields.map(f) }], ...extra };
}

const pairs = (issues: Issue[]) => issues.map((i) => [i.path, i.code, i.severity]);

function run(schema: Schema, answers: Answers, ctx: ValidationContext = context) {
  return validate(schema, answers, ctx);
}

/** Codes for the single field `s.x` of the given spec. */
function codesFor(spec: Omit<FieldSpec, 'id'>, value: unknown, ctx?: ValidationContext) {
  const result = run(oneSection([{ id: 'x', ...spec } as FieldSpec]), { 's.x': value as never }, ctx);
  return result.issues.map((i) => i.code);
}

describe('normalizing', () => {
  it('NFC-normalizes and trims every string, and drops empty values', () => {
    const schema = oneSection([
      { id: 'a', type: 'text' },
      { id: 'b', type: 'text' },
      { id: 'c', type: 'text' },
      { id: 'd', type: 'attachment' },
    ]);
    const nfd = 'Nguye\u0302\u0303n'; // "Nguyễn" decomposed
    const result = run(schema, { 's.a': `  ${nfd}\u00a0\ufeff`, 's.b': ' \t\n ', 's.c': null, 's.d': [] });
    expect(result.values).toEqual({ 's.a': 'Nguy\u1ec5n' });
    expect(result.issues).toEqual([]);
  });

  it('collapses white space in person names', () => {
    const result = run(oneSection([{ id: 'n', type: 'person_name' }]), { 's.n': ' Nguyễn \t Văn\u3000\u3000An ' });
    expect(result.values).toEqual({ 's.n': 'Nguyễn Văn An' });
  });

  it.each([
    ['0912 345 678', '0912345678'],
    ['(091) 234-5678', '0912345678'],
    ['091.234.5678', '0912345678'],
    ['+84 912 345 678', '0912345678'],
    ['84912345678', '0912345678'],
    ['8491234567', '8491234567'], // 10 digits: "84" is not a country code here
    ['+84 91 234 567', '091234567'],
  ])('normalizes phone %j to %j', (raw, normalized) => {
    const result = run(oneSection([{ id: 'p', type: 'phone' }]), { 's.p': raw });
    expect(result.values['s.p']).toBe(normalized);
  });

  it('lower-cases the domain of an email only', () => {
    const result = run(oneSection([{ id: 'e', type: 'email' }]), { 's.e': ' An.Nguyen@Example.COM.VN ' });
    expect(result.values['s.e']).toBe('An.Nguyen@example.com.vn');
    expect(result.issues).toEqual([]);
  });

  it('upper-cases nationality codes', () => {
    const result = run(oneSection([{ id: 'n', type: 'nationality' }]), { 's.n': ' vn ' });
    expect(result.values['s.n']).toBe('VN');
    expect(result.issues).toEqual([]);
  });

  it('trims strings inside attachment arrays', () => {
    const hash = 'a'.repeat(64);
    const result = run(oneSection([{ id: 'a', type: 'attachment' }]), { 's.a': [` ${hash} `] });
    expect(result.values['s.a']).toEqual([hash]);
    expect(result.issues).toEqual([]);
  });
});

describe('unknown paths, required, wrong type', () => {
  it('reports unknown paths last, sorted, and drops them', () => {
    const result = run(oneSection([{ id: 'a', type: 'text', max_length: 1 }]), { 's.zz': 'y', other: null, 's.a': 'xy' });
    expect(pairs(result.issues)).toEqual([
      ['s.a', 'too_long', 'error'],
      ['other', 'unknown_field', 'error'],
      ['s.zz', 'unknown_field', 'error'],
    ]);
    expect(result.values).toEqual({ 's.a': 'xy' });
  });

  it('requires visible required fields, including blank ones', () => {
    const schema = oneSection([
      { id: 'a', type: 'text', required: true },
      { id: 'b', type: 'text', required: true },
      { id: 'c', type: 'text' },
    ]);
    expect(pairs(run(schema, { 's.b': '   ' }).issues)).toEqual([
      ['s.a', 'required', 'error'],
      ['s.b', 'required', 'error'],
    ]);
  });

  it('gives wrong_type and nothing else for a value of the wrong JSON type', () => {
    expect(codesFor({ type: 'text', max_length: 1 }, 12345)).toEqual(['wrong_type']);
    expect(codesFor({ type: 'year' }, '2000')).toEqual(['wrong_type']);
    expect(codesFor({ type: 'number' }, true)).toEqual(['wrong_type']);
    expect(codesFor({ type: 'checkbox' }, 1)).toEqual(['wrong_type']);
    expect(codesFor({ type: 'attachment' }, 'a'.repeat(64))).toEqual(['wrong_type']);
    expect(codesFor({ type: 'sex' }, { value: 'male' })).toEqual(['wrong_type']);
    expect(codesFor({ type: 'date' }, 20240101)).toEqual(['wrong_type']);
  });

  it('keeps a wrong-typed value in values (it is not empty)', () => {
    const result = run(oneSection([{ id: 'a', type: 'text' }]), { 's.a': 5 });
    expect(result.values).toEqual({ 's.a': 5 });
    expect(result.issues[0]?.params).toEqual({ type: 'text' });
  });

  it('treats false as a value, but a required false checkbox as required', () => {
    const schema = oneSection([
      { id: 'agree', type: 'checkbox', required: true },
      { id: 'opt', type: 'checkbox' },
    ]);
    const result = run(schema, { 's.agree': false, 's.opt': false });
    expect(pairs(result.issues)).toEqual([['s.agree', 'required', 'error']]);
    expect(result.values).toEqual({ 's.agree': false, 's.opt': false });
    expect(run(schema, { 's.agree': true }).issues).toEqual([]);
  });

  it('makes a field required by required_when', () => {
    const schema = oneSection([
      { id: 'kind', type: 'select', options: [{ value: 'a', label }, { value: 'b', label }] },
      { id: 'why', type: 'text', required_when: { field: 's.kind', equals: 'b' } },
    ]);
    expect(run(schema, { 's.kind': 'a' }).issues).toEqual([]);
    expect(pairs(run(schema, { 's.kind': 'b' }).issues)).toEqual([['s.why', 'required', 'error']]);
  });
});

describe('optional sections and visibility', () => {
  const schema: Schema = {
    sections: [
      {
        id: 'father',
        title,
        optional: true,
        fields: [
          f({ id: 'name', type: 'person_name', required: true }),
          f({ id: 'birth', type: 'date', required: true }),
          f({ id: 'note', type: 'text' }),
        ],
      },
    ],
  };

  it('lets an optional section be left entirely empty', () => {
    expect(run(schema, {}).issues).toEqual([]);
    expect(run(schema, { 'father.note': '  ' }).issues).toEqual([]);
  });

  it('requires its required fields once any field has a value', () => {
    expect(pairs(run(schema, { 'father.note': 'x' }).issues)).toEqual([
      ['father.name', 'required', 'error'],
      ['father.birth', 'required', 'error'],
    ]);
  });

  it('does not validate or keep hidden fields, and conditions still read them', () => {
    const s: Schema = {
      sections: [
        {
          id: 'a',
          title,
          fields: [
            f({ id: 'has', type: 'checkbox' }),
            f({ id: 'secret', type: 'text', visible_when: { field: 'a.has', equals: true } }),
            f({ id: 'echo', type: 'text', required_when: { field: 'a.secret', filled: true } }),
          ],
        },
        {
          id: 'b',
          title,
          visible_when: { not: { field: 'a.has', equals: false } },
          fields: [f({ id: 'x', type: 'year', required: true })],
        },
      ],
    };
    const result = run(s, { 'a.has': false, 'a.secret': 'hidden but read', 'b.x': 'wrong' });
    expect(result.values).toEqual({ 'a.has': false });
    expect(pairs(result.issues)).toEqual([['a.echo', 'required', 'error']]);
  });
});

describe('conditions', () => {
  const schema = oneSection([
    { id: 'rel', type: 'select', options: ['cha', 'me', 'khac'].map((value) => ({ value, label })) },
    { id: 'nat', type: 'nationality' },
    {
      id: 'a',
      type: 'text',
      required_when: { any: [{ field: 's.rel', in: ['cha', 'me'] }, { field: 's.nat', equals: 'VN' }] },
    },
    {
      id: 'b',
      type: 'text',
      required_when: { all: [{ field: 's.rel', filled: true }, { not: { field: 's.rel', equals: 'khac' } }] },
    },
    { id: 'c', type: 'text', required_when: { field: 's.nat', filled: false } },
    { id: 'd', type: 'text', required_when: { field: 's.rel', equals: null } },
  ]);
  const required = (answers: Answers) =>
    run(schema, answers)
      .issues.filter((i) => i.code === 'required')
      .map((i) => i.path);

  it('evaluates equals/in/filled/all/any/not on normalized values', () => {
    expect(required({})).toEqual(['s.c']);
    expect(required({ 's.nat': ' vn ' })).toEqual(['s.a']);
    expect(required({ 's.rel': 'me', 's.nat': 'FR' })).toEqual(['s.a', 's.b']);
    expect(required({ 's.rel': 'khac', 's.nat': 'FR' })).toEqual([]);
  });

  it('compares JSON values exactly (true is not 1)', () => {
    const s = oneSection([
      { id: 'n', type: 'number' },
      { id: 't', type: 'text', required_when: { field: 's.n', equals: 1 } },
      { id: 'u', type: 'text', required_when: { field: 's.n', in: [true] } },
    ]);
    expect(pairs(run(s, { 's.n': 1 }).issues)).toEqual([['s.t', 'required', 'error']]);
  });
});

describe('fill rules', () => {
  const schema: Schema = {
    sections: [
      {
        id: 'req',
        title,
        fields: [
          f({ id: 'rel', type: 'select', options: [{ value: 'me', label }, { value: 'khac', label }] }),
          f({ id: 'name', type: 'person_name' }),
        ],
      },
      { id: 'mother', title, fields: [f({ id: 'name', type: 'person_name', required: true })] },
      { id: 'copy', title, fields: [f({ id: 'name', type: 'person_name' })] },
    ],
    fill_rules: [
      { when: { field: 'req.rel', equals: 'me' }, copy: [{ from: 'req.name', to: 'mother.name' }] },
      { when: { field: 'mother.name', filled: true }, copy: [{ from: 'mother.name', to: 'copy.name' }] },
    ],
  };

  it('copies into empty targets, in order', () => {
    const result = run(schema, { 'req.rel': 'me', 'req.name': ' Trần  Thị B ' });
    expect(result.values).toEqual({
      'req.rel': 'me',
      'req.name': 'Trần Thị B',
      'mother.name': 'Trần Thị B',
      'copy.name': 'Trần Thị B',
    });
    expect(result.issues).toEqual([]);
  });

  it('copies the source value as is, like the Python validator', () => {
    const s: Schema = {
      sections: [
        { id: 'a', title, fields: [f({ id: 'free', type: 'text' }), f({ id: 'name', type: 'person_name' })] },
      ],
      fill_rules: [{ when: { field: 'a.free', filled: true }, copy: [{ from: 'a.free', to: 'a.name' }] }],
    };
    expect(run(s, { 'a.free': 'Lê   Văn\tC' }).values).toEqual({ 'a.free': 'Lê   Văn\tC', 'a.name': 'Lê   Văn\tC' });
  });

  it('leaves a non-empty target as written, and does nothing when the condition fails', () => {
    const kept = run(schema, { 'req.rel': 'me', 'req.name': 'A', 'mother.name': 'B' });
    expect(kept.values['mother.name']).toBe('B');
    const none = run(schema, { 'req.rel': 'khac', 'req.name': 'A' });
    expect(pairs(none.issues)).toEqual([['mother.name', 'required', 'error']]);
  });
});

describe('text and person names', () => {
  it('counts length in code points, not UTF-16 units', () => {
    const astral = '\u{20000}'; // one character, two UTF-16 units
    expect(codesFor({ type: 'text', max_length: 3 }, astral.repeat(3))).toEqual([]);
    expect(codesFor({ type: 'text', max_length: 3 }, astral.repeat(4))).toEqual(['too_long']);
    expect(codesFor({ type: 'text', min_length: 2 }, astral)).toEqual(['too_short']);
    expect(codesFor({ type: 'text' }, 'a'.repeat(255))).toEqual([]);
    expect(codesFor({ type: 'text' }, 'a'.repeat(256))).toEqual(['too_long']);
    expect(codesFor({ type: 'person_name' }, astral.repeat(100))).toEqual([]);
    expect(codesFor({ type: 'person_name' }, astral.repeat(101))).toEqual(['too_long']);
  });

  it('accepts letters of any script, marks, spaces, apostrophes and hyphens', () => {
    for (const name of ["Nguyễn Văn An", "O'Neil-Đặng", 'Hờ A Dính', 'Ksor H\u2019Bia'.replace('\u2019', "'"), '李小龍', 'ม่วง', 'e\u0301\u0323']) {
      expect(codesFor({ type: 'person_name' }, name), name).toEqual([]);
    }
  });

  it('rejects digits, punctuation and other symbols in names', () => {
    for (const name of ['Nguyễn Văn 2', 'An.', 'Ksor H\u2019Bia', 'An_B', 'A😀']) {
      expect(codesFor({ type: 'person_name' }, name), name).toEqual(['invalid_name']);
    }
  });

  it('reports both invalid_name and too_long', () => {
    expect(codesFor({ type: 'person_name' }, '1'.repeat(101))).toEqual(['invalid_name', 'too_long']);
  });
});

describe('dates and years', () => {
  it('accepts real calendar dates only', () => {
    for (const good of ['2024-02-29', '2000-02-29', '1900-01-01', '2025-06-15']) {
      expect(codesFor({ type: 'date' }, good), good).toEqual([]);
    }
    for (const bad of ['2023-02-29', '1900-02-29', '2024-04-31', '2024-13-01', '2024-00-10', '2024-1-05',
      '2024/01/05', '20240105', '2024-01-05T00:00', '１９９０-01-01', '1990', '0000-01-01']) {
      expect(codesFor({ type: 'date' }, bad), bad).toEqual(['invalid_date']);
    }
  });

  it('checks future and min, by year alone for year-only values', () => {
    expect(codesFor({ type: 'date' }, '2025-06-16')).toEqual(['date_in_future']);
    expect(codesFor({ type: 'date', not_future: false }, '2030-01-01')).toEqual([]);
    expect(codesFor({ type: 'date' }, '1899-12-31')).toEqual(['date_too_early']);
    expect(codesFor({ type: 'date', min: '2000-01-01' }, '1999-12-31')).toEqual(['date_too_early']);
    expect(codesFor({ type: 'date', allow_year: true }, '2025')).toEqual([]);
    expect(codesFor({ type: 'date', allow_year: true }, '2026')).toEqual(['date_in_future']);
    expect(codesFor({ type: 'date', allow_year: true }, '1900')).toEqual([]);
    expect(codesFor({ type: 'date', allow_year: true }, '1899')).toEqual(['date_too_early']);
    expect(codesFor({ type: 'date', allow_year: true }, '0000')).toEqual(['invalid_date']);
  });

  it('validates year fields as integers 1000–9999', () => {
    expect(codesFor({ type: 'year' }, 1990)).toEqual([]);
    expect(codesFor({ type: 'year' }, 1990.5)).toEqual(['invalid_year']);
    expect(codesFor({ type: 'year' }, 999)).toEqual(['invalid_year']);
    expect(codesFor({ type: 'year' }, 10000)).toEqual(['invalid_year']);
    expect(codesFor({ type: 'year' }, 2026)).toEqual(['date_in_future']);
    expect(codesFor({ type: 'year', not_future: false }, 2026)).toEqual([]);
    expect(codesFor({ type: 'year' }, 1899)).toEqual(['date_too_early']);
    expect(codesFor({ type: 'year', min: 1950 }, 1949)).toEqual(['date_too_early']);
  });

  it('parses without Date and counts days in UTC-free integer arithmetic', () => {
    expect(parseDate('2024-02-29')).not.toBeNull();
    expect(parseDateOrYear('1990', false)).toBeNull();
    const d = (s: string) => parseDate(s)!;
    expect(dayNumber(d('1970-01-01'))).toBe(0);
    expect(daysBetween(d('2024-02-28'), d('2024-03-01'))).toBe(2);
    expect(daysBetween(d('2023-02-28'), d('2023-03-01'))).toBe(1);
    for (const s of ['0001-01-01', '0099-12-31', '1600-02-29', '1899-12-31', '2100-03-01', '9999-12-31']) {
      const x = d(s);
      const utc = new Date(0);
      utc.setUTCFullYear(x.year, x.month - 1, x.day);
      expect(dayNumber(x), s).toBe(Math.round(utc.getTime() / 86_400_000));
    }
  });

  it('ages people born on 29 February on 1 March in common years', () => {
    const born = parseDate('2008-02-29')!;
    expect(hasTurned(born, 18, parseDate('2026-02-28')!)).toBe(false);
    expect(hasTurned(born, 18, parseDate('2026-03-01')!)).toBe(true);
    expect(hasTurned(born, 16, parseDate('2024-02-29')!)).toBe(true);
    expect(hasTurned({ kind: 'year', year: 2007 }, 18, parseDate('2024-12-31')!)).toBe(false);
    expect(hasTurned({ kind: 'year', year: 2007 }, 18, parseDate('2025-01-01')!)).toBe(true);
  });
});

describe('choices and codes', () => {
  it('checks select, sex, ethnicity and nationality values', () => {
    const options = [{ value: 'a', label }];
    expect(codesFor({ type: 'select', options }, 'a')).toEqual([]);
    expect(codesFor({ type: 'select', options }, 'A')).toEqual(['not_an_option']);
    expect(codesFor({ type: 'sex' }, 'female')).toEqual([]);
    expect(codesFor({ type: 'sex' }, 'Male')).toEqual(['not_an_option']);
    expect(codesFor({ type: 'ethnicity' }, '01')).toEqual([]);
    expect(codesFor({ type: 'ethnicity' }, '54')).toEqual([]);
    expect(codesFor({ type: 'ethnicity' }, '55')).toEqual(['not_an_option']);
    expect(codesFor({ type: 'ethnicity' }, '1')).toEqual(['not_an_option']);
    expect(codesFor({ type: 'nationality' }, 'fr')).toEqual([]);
    expect(codesFor({ type: 'nationality' }, 'XX')).toEqual(['not_an_option']);
  });

  it('checks provinces and communes against the context', () => {
    expect(codesFor({ type: 'province' }, '01')).toEqual([]);
    expect(codesFor({ type: 'province' }, '02')).toEqual(['unknown_province']);
    expect(codesFor({ type: 'commune' }, '00070')).toEqual([]);
    expect(codesFor({ type: 'commune' }, '99999')).toEqual(['unknown_commune']);
    const schema = oneSection([
      { id: 'p', type: 'province' },
      { id: 'c', type: 'commune', province_field: 's.p' },
    ]);
    expect(run(schema, { 's.p': '01', 's.c': '00070' }).issues).toEqual([]);
    const wrong = run(schema, { 's.p': '79', 's.c': '00070' }).issues;
    expect(pairs(wrong)).toEqual([['s.c', 'commune_not_in_province', 'error']]);
    expect(wrong[0]?.params).toEqual({ province: '79' });
    expect(run(schema, { 's.c': '00070' }).issues).toEqual([]);
    expect(pairs(run(schema, { 's.p': '02', 's.c': '00070' }).issues)).toEqual([['s.p', 'unknown_province', 'error']]);
    expect(pairs(run(schema, { 's.p': '01', 's.c': '00071' }).issues)).toEqual([['s.c', 'unknown_commune', 'error']]);
  });

  it('checks phones and emails', () => {
    for (const good of ['0912345678', '0321234567', '0562345678', '0701234567', '0812345678']) {
      expect(codesFor({ type: 'phone' }, good), good).toEqual([]);
    }
    for (const bad of ['091234567', '09123456789', '0212345678', '0312345678', '0800000000', '+1 202 555 0100', '09l2345678']) {
      expect(codesFor({ type: 'phone' }, bad), bad).toEqual(['invalid_phone']);
    }
    for (const good of ['a@b.vn', "o'neil+x@mail.example.org", 'A@EXAMPLE.COM']) {
      expect(codesFor({ type: 'email' }, good), good).toEqual([]);
    }
    for (const bad of ['a@b', 'a@@b.vn', 'an@-b.vn', 'an@b-.vn', 'nguyễn@b.vn', 'a b@c.vn', 'a@b..vn', `${'a'.repeat(250)}@b.vn`]) {
      expect(codesFor({ type: 'email' }, bad), bad).toEqual(['invalid_email']);
    }
  });

  it('checks numbers', () => {
    expect(codesFor({ type: 'number' }, 3)).toEqual([]);
    expect(codesFor({ type: 'number' }, 3.5)).toEqual(['not_integer']);
    expect(codesFor({ type: 'number', integer: false }, 3.5)).toEqual([]);
    expect(codesFor({ type: 'number', min: 1, max: 10 }, 0)).toEqual(['too_small']);
    expect(codesFor({ type: 'number', min: 1, max: 10 }, 11)).toEqual(['too_large']);
    expect(codesFor({ type: 'number', min: 1 }, 0.5)).toEqual(['not_integer', 'too_small']);
    expect(codesFor({ type: 'number' }, 0)).toEqual([]);
  });

  it('checks attachments', () => {
    const h = '0123456789abcdef'.repeat(4);
    expect(codesFor({ type: 'attachment' }, [h, h])).toEqual([]);
    expect(codesFor({ type: 'attachment' }, [h.toUpperCase()])).toEqual(['invalid_attachment']);
    expect(codesFor({ type: 'attachment' }, [h, 42])).toEqual(['invalid_attachment']);
    expect(codesFor({ type: 'attachment' }, Array(6).fill(h))).toEqual(['too_many_files']);
    expect(codesFor({ type: 'attachment', max_files: 1 }, [h, 'x'])).toEqual(['invalid_attachment', 'too_many_files']);
  });
});

describe('personal ID numbers', () => {
  const schema = oneSection([
    { id: 'sex', type: 'sex' },
    { id: 'birth', type: 'date', allow_year: true },
    { id: 'id', type: 'personal_id', sex_field: 's.sex', birth_field: 's.birth' },
  ]);
  const idIssues = (answers: Answers) =>
    run(schema, answers)
      .issues.filter((i) => i.path === 's.id')
      .map((i) => [i.code, i.params]);

  it('decodes province, sex and year', () => {
    expect(decodePersonalId('001090123456')).toEqual({ province: '001', sex: 'male', birthYear: 1990 });
    expect(decodePersonalId('079305000001')).toEqual({ province: '079', sex: 'female', birthYear: 2005 });
    expect(decodePersonalId('079805000001')?.birthYear).toBe(2305);
    expect(decodePersonalId('07930500000')).toBeNull();
  });

  it('stops at the first failure, in order', () => {
    expect(idIssues({ 's.id': '00109012345' })).toEqual([['invalid_format', {}]]);
    expect(idIssues({ 's.id': '００１090123456' })).toEqual([['invalid_format', {}]]);
    expect(idIssues({ 's.id': '003090123456' })).toEqual([['invalid_id_province', { province: '003' }]]);
    expect(idIssues({ 's.id': '003326123456' })).toEqual([['invalid_id_province', { province: '003' }]]);
    expect(idIssues({ 's.id': '001226123456' })).toEqual([['invalid_id_birth_year', { year: 2026 }]]);
    expect(idIssues({ 's.id': '001225123456' })).toEqual([]);
    expect(idIssues({ 's.id': '001190123456', 's.sex': 'male', 's.birth': '1991-01-01' })).toEqual([
      ['id_sex_mismatch', { sex: 'female' }],
    ]);
    expect(idIssues({ 's.id': '001190123456', 's.sex': 'female', 's.birth': '1991' })).toEqual([
      ['id_birth_year_mismatch', { year: 1990 }],
    ]);
    expect(idIssues({ 's.id': '001190123456', 's.sex': 'female', 's.birth': '1990-12-31' })).toEqual([]);
  });

  it('ignores linked fields that are hidden or hold no valid value', () => {
    expect(idIssues({ 's.id': '001190123456', 's.sex': 'nam', 's.birth': '1991-02-30' })).toEqual([]);
    const hidden = oneSection([
      { id: 'sex', type: 'sex', visible_when: { field: 's.id', filled: false } },
      { id: 'id', type: 'personal_id', sex_field: 's.sex' },
    ]);
    expect(run(hidden, { 's.id': '001190123456', 's.sex': 'male' }).issues).toEqual([]);
  });

  it('reads a real birth date outside its own limits', () => {
    const result = run(schema, { 's.id': '001190123456', 's.birth': '1899-01-01' });
    expect(pairs(result.issues)).toEqual([
      ['s.birth', 'date_too_early', 'error'],
      ['s.id', 'id_birth_year_mismatch', 'error'],
    ]);
  });

  it('compares with a year field', () => {
    const s = oneSection([
      { id: 'y', type: 'year' },
      { id: 'id', type: 'personal_id', birth_field: 's.y' },
    ]);
    expect(run(s, { 's.id': '001190123456', 's.y': 1990 }).issues).toEqual([]);
    expect(pairs(run(s, { 's.id': '001190123456', 's.y': 1991 }).issues)).toEqual([
      ['s.id', 'id_birth_year_mismatch', 'error'],
    ]);
  });
});

describe('checks across fields', () => {
  const dates = [
    { id: 'birth', type: 'date', allow_year: true },
    { id: 'event', type: 'date', allow_year: true },
  ] as FieldSpec[];
  const withCheck = (check: Check, fields = dates) => oneSection(fields, { checks: [check] });

  it('not_before compares dates, or years when either is year-only', () => {
    const schema = withCheck({ check: 'not_before', field: 's.event', reference: 's.birth' });
    const codes = (b: string, e: string) => run(schema, { 's.birth': b, 's.event': e }).issues.map((i) => i.code);
    expect(codes('2000-05-02', '2000-05-01')).toEqual(['date_before_reference']);
    expect(codes('2000-05-01', '2000-05-01')).toEqual([]);
    expect(codes('2000', '2000-01-01')).toEqual([]);
    expect(codes('2001', '2000-12-31')).toEqual(['date_before_reference']);
    expect(codes('2000-12-31', '2000')).toEqual([]);
  });

  it('runs only when every named field is visible, filled and error-free', () => {
    const schema = withCheck({ check: 'not_before', field: 's.event', reference: 's.birth', code: 'bad_order' });
    expect(run(schema, { 's.birth': '2000-05-02' }).issues).toEqual([]);
    expect(run(schema, { 's.birth': '2030-01-01', 's.event': '2020-01-01' }).issues.map((i) => i.code)).toEqual([
      'date_in_future',
    ]);
  });

  it('days_since is within [min, max], skips year-only values and can warn', () => {
    const schema = withCheck({ check: 'days_since', field: 's.event', max: 60, code: 'late', severity: 'warning' });
    expect(run(schema, { 's.event': '2025-04-16' }).issues).toEqual([]); // 60 days
    expect(pairs(run(schema, { 's.event': '2025-04-15' }).issues)).toEqual([['s.event', 'late', 'warning']]);
    expect(run(schema, { 's.event': '2020' }).issues).toEqual([]);
    const min = withCheck({ check: 'days_since', field: 's.event', min: 1, code: 'too_soon' });
    expect(pairs(run(min, { 's.event': '2025-06-15' }).issues)).toEqual([['s.event', 'too_soon', 'error']]);
  });

  it('min_age counts birthdays, 29 February turning on 1 March', () => {
    const schema = withCheck({ check: 'min_age', field: 's.birth', years: 18, code: 'minor' });
    const codes = (b: string, today = '2025-06-15') =>
      run(schema, { 's.birth': b }, { ...context, today }).issues.map((i) => i.code);
    expect(codes('2007-06-15')).toEqual([]);
    expect(codes('2007-06-16')).toEqual(['minor']);
    expect(codes('2007')).toEqual([]);
    expect(codes('2008')).toEqual(['minor']);
    expect(codes('2008-02-29', '2026-02-28')).toEqual(['minor']);
    expect(codes('2008-02-29', '2026-03-01')).toEqual([]);
  });

  it('distinct reports the later of two equal values', () => {
    const schema = oneSection(
      [
        { id: 'a', type: 'personal_id' },
        { id: 'b', type: 'personal_id' },
        { id: 'c', type: 'personal_id' },
      ],
      { checks: [{ check: 'distinct', fields: ['s.a', 's.b', 's.c'], code: 'same_person' }] },
    );
    const id = '001090123456';
    expect(pairs(run(schema, { 's.a': id, 's.b': '001090123457', 's.c': id }).issues)).toEqual([
      ['s.c', 'same_person', 'error'],
    ]);
    expect(pairs(run(schema, { 's.b': id, 's.c': id }).issues)).toEqual([['s.c', 'same_person', 'error']]);
    expect(run(schema, { 's.a': id }).issues).toEqual([]);
  });
});

describe('context', () => {
  it('accepts a Set and a Map, and refuses a malformed today', () => {
    const schema = oneSection([{ id: 'c', type: 'commune' }]);
    const ctx = { today: '2025-06-15', provinces: new Set(['01']), communes: new Map([['00070', '01']]) };
    expect(run(schema, { 's.c': '00070' }, ctx).issues).toEqual([]);
    expect(() => run(schema, {}, { ...ctx, today: '15/06/2025' })).toThrow(/today/);
  });
});
