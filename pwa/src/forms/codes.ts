// Every issue code the validator itself can emit, with the params it gives. Checks emit
// the code their schema names (`not_before` defaults to `date_before_reference`).

export const ISSUE_PARAMS = {
  required: [],
  wrong_type: ['type'],
  unknown_field: [],
  too_long: ['max'],
  too_short: ['min'],
  invalid_name: [],
  invalid_date: [],
  date_in_future: [],
  date_too_early: ['min'],
  invalid_time: [],
  invalid_year: [],
  not_an_option: [],
  invalid_format: [],
  invalid_id_province: ['province'],
  invalid_id_birth_year: ['year'],
  id_sex_mismatch: ['sex'],
  id_birth_year_mismatch: ['year'],
  invalid_phone: [],
  invalid_email: [],
  unknown_province: [],
  unknown_commune: [],
  commune_not_in_province: ['province'],
  date_words_mismatch: ['expected'],
  not_integer: [],
  too_small: ['min'],
  too_large: ['max'],
  invalid_attachment: [],
  too_many_files: ['max'],
  date_before_reference: ['reference'],
} as const satisfies Record<string, readonly string[]>;

export type IssueCode = keyof typeof ISSUE_PARAMS;

export const ISSUE_CODES = Object.keys(ISSUE_PARAMS) as IssueCode[];
