// Drafting: the form rendered from its schema, checked on the device by the same
// rules as the server, saved on every change (to IndexedDB, then the outbox).

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { changed, communes, device, getDb, session, typing } from '../app';
import { verifiedOf } from '../auth';
import { prefillFromVerified, verifiedMark, type VerifiedMark } from '../prefill';
import { finishBeforeUpgrade, type LocalDossier } from '../db';
import { editAnswers, prefillPendingDraft } from '../dossiers';
import { emptiedAnswer, fieldRequired, fieldVisible, sectionVisible, staleDateWords, validateAnswers } from '../formModel';
import { renderIssue } from '../forms';
import type { Issue, JsonValue, Schema } from '../forms/types';
import type { Answers } from '../db';
import { formatTime, lang, t, tx } from '../i18n';
import { navigate } from '../router';
import { draftNotSavedText } from '../storageFull';
import { ErrorAnnouncer } from './ErrorAnnouncer';
import { FieldInput } from './FieldInput';
import { focusField, focusIfLost } from './focusing';
import { rescued, rescueTyped } from '../typedRescue';
import { useProcedure } from './useProcedure';

const SAVE_DELAY = 400;
/** A write refused (a full device): tried again this often, keeping what was typed. */
const RETRY_DELAY = 3000;

type Changes = Record<string, JsonValue | null>;

/** `answers` with `changes` on top (null clears a field). */
export function withChanges(answers: Answers, changes: Changes): Answers {
  const out: Answers = { ...answers };
  for (const [path, value] of Object.entries(changes)) {
    if (value === null) delete out[path];
    else out[path] = value;
  }
  return out;
}

function sameAnswers(a: Answers, b: Answers): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** A field's label, for saying which ones are not saved ("section.field" paths). */
function fieldLabel(schema: Schema, path: string): string {
  const [sectionId, fieldId] = path.split('.', 2);
  const field = schema.sections.find((s) => s.id === sectionId)?.fields.find((f) => f.id === fieldId);
  return field ? tx(field.label) : path;
}

export function issuesByPath(issues: readonly Issue[]): Map<string, Issue[]> {
  const map = new Map<string, Issue[]>();
  for (const issue of issues) {
    const list = map.get(issue.path) ?? [];
    list.push(issue);
    map.set(issue.path, list);
  }
  return map;
}

/** Beside a field's label: its value is what the e-ID provider verified, or the person changed it. */
function VerifiedMarkText({ id, mark, provider }: { id: string; mark: VerifiedMark; provider: string }) {
  return mark === 'verified' ? (
    <p class="verified-mark" id={id} data-testid="verified-mark">
      <span aria-hidden="true">✓ </span>
      {t(`Đã xác thực qua ${provider}`, `Verified by ${provider}`)}
    </p>
  ) : (
    <p class="verified-mark changed" id={id} data-testid="verified-mark">
      <span aria-hidden="true">✎ </span>
      {t(`Đã sửa — khác thông tin ${provider} đã xác thực`, `Changed — differs from what ${provider} verified`)}
    </p>
  );
}

export function DraftForm({ dossier, focus }: { dossier: LocalDossier; focus?: string | null }) {
  const { procedure, missing } = useProcedure(dossier.procedure_code, dossier.schema_version);
  const [answers, setAnswers] = useState<Answers>(() => ({ ...dossier.answers }));
  // A field opened from the review's list of what to fix shows its error at once.
  const [touched, setTouched] = useState<Set<string>>(() => new Set(focus ? [focus] : []));
  const [savedAt, setSavedAt] = useState<string | null>(null);
  /** The last write refused, with the fields it held; null once a write succeeds. */
  const [saveError, setSaveError] = useState<{ error: unknown; paths: string[] } | null>(null);
  /** Typed, not written yet. */
  const pending = useRef<Changes>({});
  /** Being written: until the write has committed, a record read before it lacks them. */
  const saving = useRef<Changes>({});
  /** The stamp of the newest record the form shows (records' stamps only grow). */
  const shownAt = useRef(dossier.updated_at);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const mounted = useRef(true);
  /** The last write started, settled or not. */
  const writing = useRef<Promise<unknown>>(Promise.resolve());
  const heading = useRef<HTMLHeadingElement>(null);

  /** Writes what is typed; false when it could not (it stays typed and is tried again). */
  async function flush(): Promise<boolean> {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const changes = pending.current;
    pending.current = {};
    if (!Object.keys(changes).length) return true;
    saving.current = { ...saving.current, ...changes };
    try {
      const write = editAnswers(getDb(), dossier.id, changes);
      writing.current = write.catch(() => undefined);
      const saved = await write;
      if (saved.updated_at > shownAt.current) shownAt.current = saved.updated_at;
    } catch (error) {
      // Not written: typed again on top of whatever came since, so the next save retries it.
      pending.current = { ...changes, ...pending.current };
      setSaveError({ error, paths: Object.keys(pending.current) });
      if (mounted.current && !timer.current) timer.current = setTimeout(() => void flush(), RETRY_DELAY);
      return false;
    } finally {
      for (const [path, value] of Object.entries(changes)) if (saving.current[path] === value) delete saving.current[path];
    }
    setSaveError(null);
    setSavedAt(new Date().toISOString());
    rescued(dossier.id, changes);
    changed();
    return true;
  }

  useEffect(() => {
    const hide = () => {
      // At once, as the page may be going: what the save has not stored yet.
      if (document.visibilityState === 'hidden') rescueTyped(dossier.id, device.value?.account_id ?? null, { ...saving.current, ...pending.current });
      void flush();
    };
    window.addEventListener('pagehide', hide);
    document.addEventListener('visibilitychange', hide);
    // Before the page gives way to a newer version: what is typed, and a write already
    // on its way, are in the database (the page reloads right after).
    const stop = finishBeforeUpgrade(async () => {
      const earlier = writing.current;
      await flush();
      await earlier;
    });
    return () => {
      stop();
      window.removeEventListener('pagehide', hide);
      document.removeEventListener('visibilitychange', hide);
      mounted.current = false;
      void flush();
    };
  }, []);

  // A newer record (a pull, another device, a resolved conflict): take it, with what is
  // typed or still being written on top. An older one (read before the form's last
  // write committed) is never taken: it would show an older value, or uncheck a radio
  // just tapped, and typing on would save a mangled value.
  useEffect(() => {
    if (dossier.updated_at < shownAt.current) return;
    shownAt.current = dossier.updated_at;
    const next = withChanges(withChanges(dossier.answers, saving.current), pending.current);
    setAnswers((prev) => (sameAnswers(prev, next) ? prev : next));
  }, [dossier]);

  // Opened from a link to one field (the review's list of what to fix): focus on that
  // field. Opened from a button that is gone now: focus on the title, so Tab starts there.
  // Once per link: the form (re)loaded later never takes focus from where the person is.
  const focusedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!procedure) return;
    if (focus && focusedFor.current !== focus && focusField(focus)) {
      focusedFor.current = focus;
      return;
    }
    focusIfLost(heading.current);
  }, [focus, procedure]);

  // Started before the form was on the device: the verified requester goes in now.
  useEffect(() => {
    if (!procedure || !dossier.verified_prefill_pending) return;
    const verified = verifiedOf(session.value, device.value);
    const form = procedure.form as unknown as Schema;
    void prefillPendingDraft(getDb(), dossier.id, (answers) => prefillFromVerified(form, verified, answers)).then(() => changed());
  }, [procedure, dossier.verified_prefill_pending]);

  // Attachments change through their own mutations: read them from the stored dossier.
  const merged: Answers = useMemo(() => {
    const out: Answers = { ...answers };
    for (const [path, value] of Object.entries(dossier.answers)) if (Array.isArray(value)) out[path] = value;
    for (const path of Object.keys(out)) if (Array.isArray(out[path]) && !(path in dossier.answers)) delete out[path];
    return out;
  }, [answers, dossier.answers]);

  const schema = procedure?.form as unknown as Schema | undefined;
  const result = useMemo(() => (schema ? validateAnswers(schema, merged, communes.value) : null), [schema, merged, communes.value]);
  const issues = useMemo(() => issuesByPath(result?.issues ?? []), [result]);

  if (missing) {
    return (
      <div class="card warn">
        <p>{t('Biểu mẫu của thủ tục này chưa có trên máy. Hãy kết nối mạng để tải về một lần.', 'This procedure’s form is not on this device yet. Connect once to fetch it.')}</p>
      </div>
    );
  }
  if (!procedure || !schema || !result) return <p class="muted">{t('Đang mở biểu mẫu…', 'Opening the form…')}</p>;

  function set(path: string, typed: JsonValue | null, immediate = false) {
    // Emptied: no answer (null), unless a fill rule would then put the requester's value
    // back; the person's empty is then the answer "" (it syncs, and the server agrees).
    const emptied = typed === null || typed === '';
    const value = emptied ? emptiedAnswer(schema!, merged, path, communes.value) : typed;
    // A new date takes along the words typed for the old one, so its own are filled in.
    const changes: Changes = { [path]: value };
    for (const stale of staleDateWords(schema!, merged, path, value)) changes[stale] = null;
    setAnswers((prev) => withChanges(prev, changes));
    Object.assign(pending.current, changes);
    typing();
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void flush(), immediate ? 0 : SAVE_DELAY);
  }

  const values = result.values as Answers;
  const provider = verifiedOf(session.value, device.value)?.provider_label || 'VNeID';
  const visibleValues = { ...merged, ...values };
  /** The errors shown under fields, "Label: message", for the live region. */
  const shownErrors: string[] = [];

  return (
    <form
      class="draft"
      onSubmit={(e) => {
        e.preventDefault();
        // While the device cannot save, continuing stays here: the person sees the
        // notice and continues once it is gone, never later on a write that
        // happened to succeed after they pressed.
        if (saveError) {
          void flush();
          return;
        }
        void flush().then((saved) => saved && navigate(`/ho-so/${dossier.id}/xem-lai`));
      }}
    >
      <h1 ref={heading} tabIndex={-1}>
        {tx(procedure.name)}
      </h1>
      <p class="muted">
        {t('Các mục có dấu', 'Fields marked')} <span class="req">*</span> {t('là bắt buộc.', 'are required.')}
      </p>
      {schema.sections.map((section) => {
        if (!sectionVisible(section, visibleValues)) return null;
        return (
          <fieldset key={section.id} class="section" id={`s-${section.id}`}>
            <legend>{tx(section.title)}</legend>
            {section.optional && <p class="hint">{t('Có thể bỏ trống cả mục này nếu thủ tục cho phép.', 'This whole section may stay empty when the procedure allows it.')}</p>}
            {section.fields.map((field) => {
              const path = `${section.id}.${field.id}`;
              if (!fieldVisible(section, field, visibleValues)) return null;
              const own = merged[path];
              const filled = own === undefined ? values[path] : undefined;
              const fieldIssues = touched.has(path) || own !== undefined ? (issues.get(path) ?? []).filter((i) => i.code !== 'required' || touched.has(path)) : [];
              const required = fieldRequired(field, visibleValues);
              const id = `f-${path}`;
              const errorId = (n: number) => `${id}-error-${n}`;
              for (const issue of fieldIssues) if (issue.severity !== 'warning') shownErrors.push(`${tx(field.label)}: ${renderIssue(issue, lang.value)}`);
              const mark = verifiedMark(dossier.verified_fields, path, own);
              const describedBy = [
                mark && `${id}-verified`,
                field.help && `${id}-hint`,
                filled !== undefined && `${id}-filled`,
                ...fieldIssues.map((_, n) => errorId(n)),
              ]
                .filter(Boolean)
                .join(' ');
              const input = (
                <FieldInput
                  field={field}
                  path={path}
                  dossierId={dossier.id}
                  value={own}
                  filled={filled}
                  province={field.type === 'commune' && field.province_field ? (visibleValues[field.province_field] as string | undefined) : null}
                  invalid={fieldIssues.some((i) => i.severity !== 'warning')}
                  labelId={`${id}-label`}
                  describedBy={describedBy}
                  onChange={(v, immediate) => set(path, v, immediate)}
                  onBlur={() => {
                    setTouched((prev) => new Set(prev).add(path));
                    void flush();
                  }}
                />
              );
              return (
                <div key={path} class={`field field-${field.type}${fieldIssues.length ? ' has-error' : ''}`}>
                  {field.type === 'checkbox' ? (
                    <label class="check" id={`${id}-label`}>
                      {input}
                      {tx(field.label)}
                      {required && <span class="req"> *</span>}
                    </label>
                  ) : (
                    <>
                      <label for={id} id={`${id}-label`}>
                        {tx(field.label)}
                        {required && <span class="req"> *</span>}
                      </label>
                      {mark && <VerifiedMarkText id={`${id}-verified`} mark={mark} provider={provider} />}
                      {field.help && (
                        <p class="hint" id={`${id}-hint`}>
                          {tx(field.help)}
                        </p>
                      )}
                      {input}
                    </>
                  )}
                  {field.type === 'checkbox' && field.help && (
                    <p class="hint" id={`${id}-hint`}>
                      {tx(field.help)}
                    </p>
                  )}
                  {filled !== undefined && <p class="hint filled" id={`${id}-filled`}>{t('Lấy từ thông tin người yêu cầu; sửa hoặc xóa nếu khác.', 'Taken from the requester; change or clear it if different.')}</p>}
                  {fieldIssues.map((issue, n) => (
                    <p key={issue.code} id={errorId(n)} class={issue.severity === 'warning' ? 'warning' : 'error'}>
                      {renderIssue(issue, lang.value)}
                    </p>
                  ))}
                </div>
              );
            })}
          </fieldset>
        );
      })}
      <ErrorAnnouncer errors={shownErrors} />
      <div class="actions sticky">
        {saveError && (
          <p class="error" role="alert" data-testid="save-error">
            {draftNotSavedText(saveError.error, saveError.paths.map((path) => fieldLabel(schema, path)))}
          </p>
        )}
        <span class="muted small">{savedAt ? t(`Đã lưu trên máy lúc ${formatTime(savedAt)}`, `Saved on this device at ${formatTime(savedAt)}`) : t('Tự động lưu trên máy', 'Saved automatically on this device')}</span>
        <button type="submit" class="primary">
          {t('Tiếp tục', 'Continue')}
        </button>
      </div>
    </form>
  );
}
