// The review page ("Tiếp tục"): every answer as it will be sent, what must still be
// fixed, then the submission, which goes to the outbox like any other change.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { changed, communes, device, getDb, refusedFiles } from '../app';
import type { LocalDossier } from '../db';
import { submitDossier } from '../dossiers';
import { fieldVisible, sectionVisible, validateAnswers, valueText } from '../formModel';
import { renderIssue } from '../forms';
import type { Schema } from '../forms/types';
import { lang, t, tx } from '../i18n';
import { takeReservedCode } from '../outreach';
import { withoutName } from '../refused';
import { navigate } from '../router';
import { issuesByPath } from './DraftForm';
import { focusIfLost } from './focusing';
import { useProcedure } from './useProcedure';

export function Review({ dossier }: { dossier: LocalDossier }) {
  const { procedure, missing } = useProcedure(dossier.procedure_code, dossier.schema_version);
  const [promise, setPromise] = useState(false);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const summary = useRef<HTMLDivElement>(null);
  const schema = procedure?.form as unknown as Schema | undefined;
  const result = useMemo(() => (schema ? validateAnswers(schema, dossier.answers, communes.value) : null), [schema, dossier.answers, communes.value]);
  const ready = !!result;
  // Arriving from "Continue" (its button gone with the form): focus on what must be fixed,
  // when anything must, else on the title; Tab then goes through the page from there.
  useEffect(() => {
    if (ready) focusIfLost(summary.current ?? heading.current);
  }, [ready]);
  if (missing) return <p class="card warn">{t('Biểu mẫu chưa có trên máy.', 'The form is not on this device.')}</p>;
  if (!procedure || !schema || !result) return <p class="muted">…</p>;
  const values = result.values;
  const byPath = issuesByPath(result.issues);
  const errors = result.issues.filter((i) => i.severity === 'error');
  const warnings = result.issues.filter((i) => i.severity === 'warning');
  const conflicts = dossier.conflicts?.length ?? 0;
  // A refused file would only be refused again: it must be removed first.
  const refused = Object.entries(dossier.answers).flatMap(([path, v]) =>
    refusedFiles.value.filter((f) => Array.isArray(v) && v.includes(f.sha256)).map((f) => ({ path, file: f })),
  );
  const canSubmit = !errors.length && !conflicts && !refused.length && promise && !busy;

  async function submit() {
    setBusy(true);
    try {
      const db = getDb();
      const code = dossier.outreach ? await takeReservedCode(db, dossier.id, String(values['agency.commune'] ?? '')) : null;
      await submitDossier(db, dossier.id, code);
      changed();
      navigate(dossier.outreach ? `/bien-nhan/${dossier.id}` : `/ho-so/${dossier.id}`, true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="review">
      <h1 ref={heading} tabIndex={-1}>
        {t('Xem lại hồ sơ', 'Review the dossier')}
      </h1>
      <p class="muted">{tx(procedure.name)}</p>
      {errors.length > 0 && (
        <div ref={summary} class="card error-box" role="alert" tabIndex={-1} aria-labelledby="review-errors-title" data-testid="error-summary">
          <h2 id="review-errors-title">{t(`Còn ${errors.length} chỗ cần sửa trước khi nộp`, `${errors.length} thing(s) to fix before sending`)}</h2>
          <ul>
            {errors.map((i) => (
              <li key={i.path + i.code}>
                <a href={`#/ho-so/${dossier.id}?field=${encodeURIComponent(i.path)}`}>{labelOf(schema, i.path)}</a>: {renderIssue(i, lang.value)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {refused.length > 0 && (
        <div class="card error-box" role="alert" data-testid="review-refused">
          <strong>{t('Máy chủ không nhận tệp sau; hãy bỏ tệp đó và chọn tệp khác trước khi nộp', 'The server refused these files; remove them and choose others before sending')}</strong>
          <ul>
            {refused.map(({ path, file }) => (
              <li key={path + file.sha256}>
                <a href={`#/ho-so/${dossier.id}?field=${encodeURIComponent(path)}`}>{labelOf(schema, path)}</a>: “{file.name}” – {withoutName(file.refused.message)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {warnings.length > 0 && (
        <div class="card warn">
          {warnings.map((i) => (
            <p key={i.path + i.code}>{renderIssue(i, lang.value)}</p>
          ))}
        </div>
      )}
      {conflicts > 0 && <p class="card warn">{t('Có thông tin khác nhau giữa các thiết bị cần chọn trước khi nộp.', 'Some answers differ between devices: choose before sending.')}</p>}
      {schema.sections.map((section) => {
        if (!sectionVisible(section, values)) return null;
        const rows = section.fields.filter((f) => fieldVisible(section, f, values) && values[`${section.id}.${f.id}`] !== undefined);
        if (!rows.length) return null;
        return (
          <section key={section.id} class="card">
            <h2>
              {tx(section.title)}{' '}
              <a class="small" href={`#/ho-so/${dossier.id}?field=${encodeURIComponent(`${section.id}.${section.fields[0]?.id}`)}`}>
                {t('Sửa', 'Edit')}
              </a>
            </h2>
            <dl>
              {rows.map((f) => {
                const path = `${section.id}.${f.id}`;
                return (
                  <div key={path} class={byPath.has(path) ? 'has-error' : ''}>
                    <dt>{tx(f.label)}</dt>
                    <dd>{valueText(f, values[path], communes.value)}</dd>
                  </div>
                );
              })}
            </dl>
          </section>
        );
      })}
      <label class="promise">
        <input type="checkbox" checked={promise} onChange={(e) => setPromise((e.target as HTMLInputElement).checked)} />{' '}
        {t('Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về cam đoan của mình.', 'I declare that the above is true and I am answerable under the law for this declaration.')}
      </label>
      {!device.value && (
        <p class="hint">{t('Hồ sơ sẽ được gửi khi bạn đăng nhập và có mạng. Không mất dữ liệu.', 'The dossier goes out once you sign in and are online. Nothing is lost.')}</p>
      )}
      <div class="actions">
        <a class="button secondary" href={`#/ho-so/${dossier.id}`}>
          {t('Quay lại sửa', 'Back to editing')}
        </a>
        <button type="button" class="primary" disabled={!canSubmit} onClick={() => void submit()}>
          {t('Nộp hồ sơ', 'Send the dossier')}
        </button>
      </div>
    </div>
  );
}

/** A field as the person knows it: "Section – Field"; the path itself when the form has no such field. */
export function labelOf(schema: Schema, path: string): string {
  const [sid, fid] = path.split('.');
  const section = schema.sections.find((s) => s.id === sid);
  const field = section?.fields.find((f) => f.id === fid);
  return field ? `${tx(section!.title)} – ${tx(field.label)}` : path;
}
