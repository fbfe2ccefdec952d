// One desk action as a form. The server checks everything; its problem document
// comes back on the fields it names (RFC 9457 `errors[].path`) and above the form.

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/http';
import type { DeviceRecord } from '../../db';
import { buildPayload, initialValues, problemByField, providerChoices, visibleFields, type ActionSpec, type FormField, type FormValues } from '../../desk/actions';
import { act, fetchPaymentProviders, uploadResultDocument, type ActionResult } from '../../desk/api';
import { lang, t } from '../../i18n';
import { problemLines } from './common';

interface Props {
  dev: DeviceRecord;
  dossierId: string;
  spec: ActionSpec;
  onDone: (result: ActionResult) => void;
  onCancel: () => void;
}

export function ActionForm({ dev, dossierId, spec, onDone, onCancel }: Props) {
  const [values, setValues] = useState<FormValues>(() => initialValues(spec));
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [byField, setByField] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [loadedChoices, setLoadedChoices] = useState<Record<string, FormField['choices']>>({});
  const fields = visibleFields(spec, values).map((f) => (loadedChoices[f.name] ? { ...f, choices: loadedChoices[f.name] } : f));

  useEffect(() => {
    const field = spec.fields.find((f) => f.choicesFrom === 'payment_providers');
    if (!field) return;
    let live = true;
    fetchPaymentProviders(dev)
      .then((list) => live && setLoadedChoices({ [field.name]: providerChoices(list) }))
      .catch(() => {
        // The desk choice stays; the server still checks what is sent.
      });
    return () => {
      live = false;
    };
  }, [spec.action]);

  async function submit() {
    setBusy(true);
    setByField({});
    setGeneral([]);
    try {
      const sha = file ? await uploadResultDocument(dev, file) : null;
      onDone(await act(dev, dossierId, spec.action, buildPayload(spec, values, sha)));
    } catch (e) {
      if (e instanceof ApiError) {
        const mapped = problemByField(e.problem, spec.fields, lang.value === 'en' ? 'en' : 'vi');
        setByField(mapped.byField);
        const head = [e.problem.title || `HTTP ${e.status}`, e.problem.detail].filter(Boolean).join(': ');
        setGeneral([head, ...mapped.general]);
      } else {
        setGeneral(problemLines(e));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      class="action-form"
      data-testid={`form-${spec.action}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>{t(spec.label[0], spec.label[1])}</h3>
      {general.length > 0 && (
        <div class="card error-box" role="alert" data-testid="desk-problem">
          <strong>{general[0]}</strong>
          {general.length > 1 && (
            <ul>
              {general.slice(1).map((g) => (
                <li key={g}>{g}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {fields.map((f) => (
        <FieldRow key={f.name} field={f} spec={spec} value={values[f.name] ?? ''} error={byField[f.name]} onValue={(v) => setValues({ ...values, [f.name]: v })} onFile={setFile} />
      ))}
      <div class="row">
        <button type="submit" class={spec.tone === 'danger' ? 'danger' : 'primary'} disabled={busy}>
          {busy ? t('Đang gửi…', 'Sending…') : t(`Xác nhận: ${spec.label[0]}`, `Confirm: ${spec.label[1]}`)}
        </button>
        <button type="button" class="link" onClick={onCancel}>
          {t('Hủy', 'Cancel')}
        </button>
      </div>
    </form>
  );
}

function FieldRow({ field, spec, value, error, onValue, onFile }: { field: FormField; spec: ActionSpec; value: string; error?: string; onValue: (v: string) => void; onFile: (f: File | null) => void }) {
  const id = `act-${spec.action}-${field.name}`;
  const label = t(field.label[0], field.label[1]);
  const common = { id, name: field.name, 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': error ? `${id}-error` : undefined };
  const input = (e: Event) => onValue((e.target as HTMLInputElement).value);
  let control;
  switch (field.kind) {
    case 'textarea':
    case 'lines':
      control = <textarea {...common} rows={field.kind === 'lines' ? 3 : 2} value={value} onInput={input} />;
      break;
    case 'date':
      control = <input {...common} type="date" value={value} onInput={input} />;
      break;
    case 'amount':
      control = <input {...common} inputMode="numeric" value={value} onInput={input} />;
      break;
    case 'file':
      control = <input {...common} type="file" accept="application/pdf,image/*" onChange={(e) => onFile((e.target as HTMLInputElement).files?.[0] ?? null)} />;
      break;
    case 'choice':
      return (
        <fieldset class="field radios-field">
          <legend>{label}</legend>
          <div class="radios">
            {field.choices?.map((c) => (
              <label key={c.value}>
                <input type="radio" name={`${id}`} value={c.value} checked={value === c.value} onChange={() => onValue(c.value)} />
                {t(c.label[0], c.label[1])}
              </label>
            ))}
          </div>
          {error && (
            <p class="error" id={`${id}-error`}>
              {error}
            </p>
          )}
        </fieldset>
      );
    default:
      control = <input {...common} value={value} onInput={input} />;
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {control}
      {error && (
        <p class="error" id={`${id}-error`} data-testid={`error-${field.name}`}>
          {error}
        </p>
      )}
    </div>
  );
}
