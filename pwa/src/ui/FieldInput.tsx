// One form field, rendered by its type (sync/forms/README.md).

import { communes } from '../app';
import { ETHNICITIES, NATIONALITIES, countryName } from '../formModel';
import { DEFAULT_TEXT_MAX_LENGTH, EMAIL_MAX_LENGTH, PERSON_NAME_MAX_LENGTH } from '../forms/fieldRules';
import type { Field, JsonValue } from '../forms/types';
import { t, tx } from '../i18n';
import { Attachments } from './Attachments';
import { CommunePicker } from './CommunePicker';
import { ADDRESS_FIELDS } from '../oldAddresses';
import { OldAddressHint } from './OldAddressHint';

export interface FieldProps {
  field: Field;
  path: string;
  dossierId: string;
  /** What the person wrote (undefined: nothing). */
  value: JsonValue | undefined;
  /** A value a fill rule gives when the person wrote nothing. */
  filled?: JsonValue | undefined;
  /** The value of the field named by `province_field`, for communes. */
  province?: string | null;
  invalid?: boolean;
  onChange(value: JsonValue | null, immediate?: boolean): void;
  onBlur?(): void;
  /** Another id (and radio group name) than `f-<path>`, for a second input of the same field on a page. */
  inputId?: string;
  /** The id of the field's visible label: names what a `<label for>` cannot (a radio group). */
  labelId?: string;
  /** Ids of the hint and error texts under the field, read out with it. */
  describedBy?: string;
}

// A phone number as typed, separators and all ("0912 345 678"), is far shorter; the
// limit only stops a paste no sync request could carry.
const PHONE_MAX_TYPED = 32;

const str = (v: JsonValue | undefined) => (v === undefined || v === null ? '' : String(v));

export function FieldInput(props: FieldProps) {
  const { field, path, value, filled, invalid, onChange, onBlur, labelId } = props;
  const id = props.inputId ?? `f-${path}`;
  const name = props.inputId ?? path;
  const shown = value ?? filled;
  const describedBy = props.describedBy || undefined;
  const common = {
    id,
    name,
    'aria-invalid': invalid,
    'aria-describedby': describedBy,
    onBlur,
  };
  // A group of radios: named by the field's label, described and marked invalid as a whole.
  const group = {
    id,
    role: 'radiogroup' as const,
    'aria-labelledby': labelId,
    'aria-describedby': describedBy,
    'aria-invalid': invalid,
  };
  const text = (e: Event) => onChange((e.target as HTMLInputElement).value);
  const pick = (e: Event) => onChange((e.target as HTMLSelectElement).value || null, true);

  switch (field.type) {
    case 'text': {
      const input = field.multiline ? (
        <textarea {...common} rows={3} value={str(shown)} onInput={text} maxLength={field.max_length ?? DEFAULT_TEXT_MAX_LENGTH} />
      ) : (
        <input {...common} type="text" value={str(shown)} onInput={text} maxLength={field.max_length ?? DEFAULT_TEXT_MAX_LENGTH} />
      );
      if (!ADDRESS_FIELDS.has(field.id)) return input;
      // An address written with the units of before 1 July 2025: today's offered, never imposed.
      return (
        <>
          {input}
          <OldAddressHint id={id} text={str(value)} onApply={(v) => onChange(v, true)} />
        </>
      );
    }
    case 'person_name':
      return <input {...common} type="text" autocapitalize="words" autocomplete="off" value={str(shown)} onInput={text} maxLength={PERSON_NAME_MAX_LENGTH} />;
    case 'personal_id':
      return <input {...common} type="text" inputMode="numeric" maxLength={12} pattern="[0-9]*" value={str(shown)} onInput={text} />;
    case 'phone':
      return <input {...common} type="tel" autocomplete="tel" value={str(shown)} onInput={text} maxLength={PHONE_MAX_TYPED} />;
    case 'email':
      return <input {...common} type="email" autocomplete="email" value={str(shown)} onInput={text} maxLength={EMAIL_MAX_LENGTH} />;
    case 'date':
      if (field.allow_year) {
        return (
          <input {...common} type="text" inputMode="numeric" placeholder={t('YYYY-MM-DD hoặc chỉ năm YYYY', 'YYYY-MM-DD or just the year YYYY')} value={str(shown)} onInput={text} />
        );
      }
      return <input {...common} type="date" value={str(shown)} onInput={(e) => onChange((e.target as HTMLInputElement).value || null, true)} />;
    case 'time':
      // The browser's own picker gives "HH:MM" on the 24-hour clock, offline too. A value it
      // cannot show (typed as text by an older build) stays in the answers and is refused
      // with invalid_time until a time is picked.
      return <input {...common} type="time" step={60} value={str(shown)} onInput={(e) => onChange((e.target as HTMLInputElement).value || null, true)} />;
    case 'year':
    case 'number':
      return (
        <input
          {...common}
          type="number"
          inputMode="numeric"
          value={str(shown)}
          onInput={(e) => {
            const raw = (e.target as HTMLInputElement).value;
            onChange(raw === '' ? null : Number(raw));
          }}
        />
      );
    case 'checkbox':
      return (
        <input {...common} type="checkbox" checked={shown === true} onChange={(e) => onChange((e.target as HTMLInputElement).checked, true)} />
      );
    case 'sex':
      return (
        <div class="radios" {...group}>
          {(['male', 'female'] as const).map((v) => (
            <label key={v}>
              <input type="radio" name={name} value={v} checked={shown === v} onChange={() => onChange(v, true)} onBlur={onBlur} />
              {v === 'male' ? t('Nam', 'Male') : t('Nữ', 'Female')}
            </label>
          ))}
        </div>
      );
    case 'select':
      if (field.options.length <= 5) {
        return (
          <div class="radios" {...group}>
            {field.options.map((o) => (
              <label key={o.value}>
                <input type="radio" name={name} value={o.value} checked={shown === o.value} onChange={() => onChange(o.value, true)} onBlur={onBlur} />
                {tx(o.label)}
              </label>
            ))}
          </div>
        );
      }
      return (
        <select {...common} value={str(shown)} onChange={pick}>
          <option value="">{t('— Chọn —', '— Choose —')}</option>
          {field.options.map((o) => (
            <option key={o.value} value={o.value}>
              {tx(o.label)}
            </option>
          ))}
        </select>
      );
    case 'ethnicity':
      return (
        <select {...common} value={str(shown)} onChange={pick}>
          <option value="">{t('— Chọn dân tộc —', '— Choose —')}</option>
          {ETHNICITIES.map((e) => (
            <option key={e.code} value={e.code}>
              {e.name}
            </option>
          ))}
        </select>
      );
    case 'nationality':
      return (
        <select {...common} value={str(shown)} onChange={pick}>
          <option value="">{t('— Chọn quốc tịch —', '— Choose —')}</option>
          <option value="VN">{countryName('VN')}</option>
          {NATIONALITIES.filter((c) => c !== 'VN').map((c) => (
            <option key={c} value={c}>
              {countryName(c)}
            </option>
          ))}
        </select>
      );
    case 'province':
      return (
        <select {...common} value={str(shown)} onChange={pick}>
          <option value="">{t('— Chọn tỉnh, thành phố —', '— Choose a province —')}</option>
          {(communes.value?.provinces ?? []).map((p) => (
            <option key={p.code} value={p.code}>
              {p.name}
            </option>
          ))}
        </select>
      );
    case 'commune':
      return (
        <CommunePicker
          id={id}
          value={shown as string | undefined}
          province={props.province}
          invalid={invalid}
          describedBy={describedBy}
          labelId={labelId}
          onChange={(c) => onChange(c, true)}
        />
      );
    case 'attachment':
      return (
        <Attachments
          id={id}
          dossierId={props.dossierId}
          path={path}
          value={Array.isArray(value) ? (value as string[]) : []}
          max={field.max_files ?? 10}
          invalid={invalid}
          describedBy={describedBy}
        />
      );
    default:
      // A type from a newer server: typed as free text (the server validates it at submit).
      // A value that is not text came from a newer device: shown, not to be overwritten.
      if (shown === undefined || shown === null || typeof shown === 'string') {
        return <input {...common} type="text" value={str(shown)} onInput={text} />;
      }
      return <input {...common} type="text" readOnly value={JSON.stringify(shown)} />;
  }
}
