// Types of the form schema language (sync/forms/README.md) and of the validator's result.
// The schema is data served by the server; these types describe it, they do not check it.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

/** A dossier's answers: one flat object from field path (`section.field`) to value. */
export type Answers = Readonly<Record<string, JsonValue | undefined>>;

export interface LocalizedText {
  vi: string;
  en: string;
}

// ---------------------------------------------------------------- conditions

export type Condition =
  | { field: string; equals: JsonValue }
  | { field: string; in: readonly JsonValue[] }
  | { field: string; filled: boolean }
  | { all: readonly Condition[] }
  | { any: readonly Condition[] }
  | { not: Condition };

// ---------------------------------------------------------------- fields

interface FieldBase {
  id: string;
  label: LocalizedText;
  help?: LocalizedText;
  required?: boolean;
  required_when?: Condition;
  visible_when?: Condition;
}

export interface TextField extends FieldBase {
  type: 'text';
  max_length?: number;
  min_length?: number;
  multiline?: boolean;
  /** A `date` field's path: this text is that date in words, filled in from it. */
  words_of_date?: string;
}

export interface PersonNameField extends FieldBase {
  type: 'person_name';
}

export interface DateField extends FieldBase {
  type: 'date';
  allow_year?: boolean;
  not_future?: boolean;
  min?: string;
}

/** A time of day, `"HH:MM"` on the 24-hour clock (the time of death). */
export interface TimeField extends FieldBase {
  type: 'time';
}

export interface YearField extends FieldBase {
  type: 'year';
  not_future?: boolean;
  min?: number;
}

export interface SelectOption {
  value: string;
  label: LocalizedText;
}

export interface SelectField extends FieldBase {
  type: 'select';
  options: readonly SelectOption[];
}

export interface SimpleCodeField extends FieldBase {
  type: 'sex' | 'ethnicity' | 'nationality' | 'phone' | 'email' | 'province';
}

export interface PersonalIdField extends FieldBase {
  type: 'personal_id';
  sex_field?: string;
  birth_field?: string;
}

export interface CommuneField extends FieldBase {
  type: 'commune';
  province_field?: string;
}

export interface NumberField extends FieldBase {
  type: 'number';
  integer?: boolean;
  min?: number;
  max?: number;
}

export interface CheckboxField extends FieldBase {
  type: 'checkbox';
}

export interface AttachmentField extends FieldBase {
  type: 'attachment';
  max_files?: number;
}

export type Field =
  | TextField
  | PersonNameField
  | DateField
  | TimeField
  | YearField
  | SelectField
  | SimpleCodeField
  | PersonalIdField
  | CommuneField
  | NumberField
  | CheckboxField
  | AttachmentField;

export type FieldType = Field['type'];

export interface Section {
  id: string;
  title: LocalizedText;
  optional?: boolean;
  visible_when?: Condition;
  fields: readonly Field[];
}

// ---------------------------------------------------------------- fill rules

export interface FillRule {
  when: Condition;
  copy: readonly { from: string; to: string }[];
}

// ---------------------------------------------------------------- checks

export type Severity = 'error' | 'warning';

interface CheckBase {
  code?: string;
  severity?: Severity;
  /** The check runs only when this holds. */
  when?: Condition;
}

export interface NotBeforeCheck extends CheckBase {
  check: 'not_before';
  field: string;
  reference: string;
}

export interface DaysSinceCheck extends CheckBase {
  check: 'days_since';
  field: string;
  min?: number;
  max?: number;
  code: string;
}

export interface MinAgeCheck extends CheckBase {
  check: 'min_age';
  field: string;
  years: number;
  code: string;
}

export interface UnderAgeCheck extends CheckBase {
  check: 'under_age';
  /** Where the error goes: an option the age rules out, or the birth date itself. */
  field: string;
  /** The birth date; default `field`. */
  birth?: string;
  years: number;
  code: string;
}

export interface DistinctCheck extends CheckBase {
  check: 'distinct';
  fields: readonly string[];
  code: string;
}

export type Check = NotBeforeCheck | DaysSinceCheck | MinAgeCheck | UnderAgeCheck | DistinctCheck;

// ---------------------------------------------------------------- schema

export interface Schema {
  sections: readonly Section[];
  fill_rules?: readonly FillRule[];
  checks?: readonly Check[];
}

// ---------------------------------------------------------------- validation

export type IssueParams = Record<string, string | number>;

export interface Issue {
  path: string;
  code: string;
  severity: Severity;
  params: IssueParams;
}

export interface ValidationContext {
  /**
   * Today's date, `YYYY-MM-DD` (the server uses the date in Asia/Ho_Chi_Minh): a field's
   * own rules ("not in the future", the personal ID's year) hold against it.
   */
  today: string;
  /**
   * The day of filing, `YYYY-MM-DD`, never after `today`; absent: today (a draft, a
   * submission). Checks across fields count ages and time limits to it: a supplement
   * answered later is judged as filed, while a paper it brings may be dated after filing.
   */
  filed_on?: string;
  /** Known province codes. */
  provinces: ReadonlySet<string> | readonly string[];
  /** Commune code → province code. */
  communes: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

export interface ValidationResult {
  /** Normalized answers after fill rules; hidden fields, unknown paths and empty values dropped. */
  values: Record<string, JsonValue>;
  issues: Issue[];
}
