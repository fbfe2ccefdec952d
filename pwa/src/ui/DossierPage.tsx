// A dossier after submission: its code, its state in plain words, due date, requests
// for more documents (answered offline too), officials' messages, field conflicts.

import { useEffect, useState } from 'preact/hooks';
import { NetworkError } from '../api/http';
import { catalog, changed, device, dossiers, getDb, online, outbox } from '../app';
import { typedChoice, type ConflictChoice } from '../conflicts';
import type { LocalConflict, LocalDossier } from '../db';
import { answerSupplement, rateDossier, resolveConflict, withdrawDossier, type SuppliedDocument } from '../dossiers';
import { displayCode } from '../codes';
import { searchKey } from '../text';
import { dossierTitle, vnToday } from '../formModel';
import { apologyLetter, receiptPdf } from '../letters';
import { howToCollect } from '../serviceLevel';
import { isOverdue } from '../overdue';
import type { Field, JsonValue, Schema } from '../forms/types';
import { formatDate, formatTime, t, tx } from '../i18n';
import { deviceMay, State, stateHint, stateLabel } from '../states';
import { lang } from '../i18n';
import { Attachments } from './Attachments';
import { DraftForm } from './DraftForm';
import { FieldInput } from './FieldInput';
import { Review } from './Review';
import { ServiceLevelNote } from './ServiceLevel';
import { RejectedList } from './SyncPage';
import { CancelSubmit, DeleteDraft } from './TakeBack';
import { useProcedure } from './useProcedure';

export function DossierRoute({ id, sub, focus }: { id: string; sub?: string; focus?: string | null }) {
  const dossier = dossiers.value.find((d) => d.id === id);
  if (!dossier) return <p class="card">{t('Không tìm thấy hồ sơ trên máy này.', 'This dossier is not on this device.')}</p>;
  const editable = dossier.state === State.DRAFT && !dossier.submit_queued;
  if (editable && sub === 'xem-lai') return <Review dossier={dossier} />;
  if (editable) {
    return (
      <>
        <ConflictsCard dossier={dossier} />
        <RejectedList dossierId={dossier.id} />
        <DraftForm key={dossier.id} dossier={dossier} focus={focus} />
        <DeleteDraft dossier={dossier} />
      </>
    );
  }
  return <DossierStatus dossier={dossier} />;
}

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return t('(trống)', '(empty)');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function fieldOf(form: Schema | undefined, path: string): { field?: Field; label: string } {
  const [sid, fid] = path.split('.');
  const section = form?.sections.find((s) => s.id === sid);
  const field = section?.fields.find((f) => f.id === fid);
  return { field, label: field && section ? `${tx(section.title)} – ${tx(field.label)}` : path };
}

/** Shows a value as the person wrote it: an option's label rather than its code. */
function showValue(field: Field | undefined, v: unknown): string {
  if (field?.type === 'select') {
    const option = field.options.find((o) => o.value === v);
    if (option) return tx(option.label);
  }
  if (field?.type === 'sex' && (v === 'male' || v === 'female')) return v === 'male' ? t('Nam', 'Male') : t('Nữ', 'Female');
  return show(v);
}

function ConflictRow({ dossier, conflict, form }: { dossier: LocalDossier; conflict: LocalConflict; form: Schema | undefined }) {
  const [other, setOther] = useState(false);
  const [typed, setTyped] = useState<JsonValue | null>(null);
  const { field, label } = fieldOf(form, conflict.path);
  const mine = !conflict.device_id || conflict.device_id === device.value?.device_id;
  const typedAs = typedChoice(typed);
  const inputId = `conflict-${conflict.conflict_id}`;
  async function choose(choice: ConflictChoice) {
    await resolveConflict(getDb(), dossier.id, conflict.conflict_id, choice);
    changed();
  }
  return (
    <div class="conflict" data-path={conflict.path}>
      <strong>{label}</strong>
      <div class="row">
        <button type="button" class="secondary" data-choice="server" onClick={() => void choose({ choice: 'server' })}>
          {t('Giữ', 'Keep')}: {showValue(field, conflict.server_value)} <span class="muted">({t('đã lưu trên máy chủ', 'on the server')})</span>
        </button>
        <button type="button" class="secondary" data-choice="device" onClick={() => void choose({ choice: 'device' })}>
          {t('Dùng', 'Use')}: {showValue(field, conflict.device_value)}{' '}
          <span class="muted">({mine ? t('từ máy này', 'from this device') : t('từ thiết bị khác', 'from another device')})</span>
        </button>
        {!other && (
          <button type="button" class="link" data-choice="value" onClick={() => setOther(true)}>
            {t('Nhập giá trị khác', 'Type another value')}
          </button>
        )}
      </div>
      {other && (
        <div class="conflict-other">
          <label for={inputId}>{t('Giá trị khác', 'Another value')}</label>
          {field && field.type !== 'attachment' && field.type !== 'commune' ? (
            <FieldInput field={field} path={conflict.path} inputId={inputId} dossierId={dossier.id} value={typed ?? undefined} onChange={(v) => setTyped(v)} />
          ) : (
            <input id={inputId} type="text" value={typeof typed === 'string' ? typed : ''} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
          )}
          <button type="button" class="primary" disabled={!typedAs} onClick={() => typedAs && void choose(typedAs)}>
            {t('Dùng giá trị này', 'Use this value')}
          </button>
        </div>
      )}
    </div>
  );
}

export function ConflictsCard({ dossier }: { dossier: LocalDossier }) {
  const { procedure } = useProcedure(dossier.procedure_code, dossier.schema_version);
  const conflicts = dossier.conflicts ?? [];
  if (!conflicts.length) return null;
  const form = procedure?.form as unknown as Schema | undefined;
  return (
    <div class="card warn" id="conflicts">
      <h2>{t('Thông tin khác nhau giữa các thiết bị', 'Answers differ between devices')}</h2>
      <p>{t('Chọn giá trị đúng cho từng mục, hoặc nhập giá trị khác:', 'Choose the right value for each field, or type another:')}</p>
      {conflicts.map((c) => (
        <ConflictRow key={c.conflict_id} dossier={dossier} conflict={c} form={form} />
      ))}
    </div>
  );
}

/** Adjacent word pairs of a text, accents and punctuation aside: "nơi cư trú" → "noi cu", "cu tru". */
function wordPairs(text: string): Set<string> {
  const words = searchKey(text).split(/[^a-z0-9]+/).filter(Boolean);
  return new Set(words.slice(1).map((w, i) => `${words[i]} ${w}`));
}

/** The form's attachment field best named for a requested document: the most word pairs
 *  in common between the document's name and the field's label (single words such as
 *  "giấy" or "của" say little); the first field when none shares any. */
function likelySlot(document: string, paths: string[], form: Schema | undefined): string {
  const pairs = wordPairs(document);
  let best = paths[0] ?? 'attachments.residence_documents';
  let most = 0;
  for (const p of paths) {
    const label = fieldOf(form, p).field?.label.vi ?? p;
    const shared = [...wordPairs(label)].filter((pair) => pairs.has(pair)).length;
    if (shared > most) [best, most] = [p, shared];
  }
  return best;
}

function SupplementCard({ dossier }: { dossier: LocalDossier }) {
  const [message, setMessage] = useState('');
  // Per requested document (by its place in the request): its files, and the form
  // field the person chose to hold them.
  const [files, setFiles] = useState<Record<number, string[]>>({});
  const [slots, setSlots] = useState<Record<number, string>>({});
  const { procedure } = useProcedure(dossier.procedure_code, dossier.schema_version);
  const s = dossier.supplement;
  if (dossier.state !== State.SUPPLEMENT_REQUESTED || !s) return null;
  const form = procedure?.form as unknown as Schema | undefined;
  // The form's attachment fields, by their names; without the form, the paths in use.
  const attachmentPaths = form
    ? form.sections.flatMap((sec) => sec.fields.filter((f) => f.type === 'attachment').map((f) => `${sec.id}.${f.id}`))
    : [...new Set([...Object.keys(dossier.answers).filter((p) => p.startsWith('attachments.')), 'attachments.residence_documents', 'attachments.id_card'])];
  // A request names at least one document; an older one without names gets one picker.
  const documents = s.documents.length ? s.documents : [''];
  const slotOf = (i: number) => {
    const chosen = slots[i];
    return chosen && attachmentPaths.includes(chosen) ? chosen : likelySlot(documents[i]!, attachmentPaths, form);
  };
  const slotName = (p: string) => (form ? tx(fieldOf(form, p).field?.label ?? { vi: p, en: p }) : p.replace('attachments.', ''));
  if (dossier.supplement_answered_at) {
    return <p class="card">{t('Đã trả lời yêu cầu bổ sung; đang chờ gửi hoặc chờ cán bộ xem.', 'Answered; waiting to be sent or read.')}</p>;
  }
  async function send() {
    const changes: Record<string, JsonValue | null> = {};
    const supplied: SuppliedDocument[] = [];
    documents.forEach((document, i) => {
      const mine = files[i] ?? [];
      if (!mine.length) return;
      const path = slotOf(i);
      const before = (changes[path] as string[] | undefined) ?? (Array.isArray(dossier.answers[path]) ? (dossier.answers[path] as string[]) : []);
      changes[path] = [...new Set([...before, ...mine])];
      if (document) supplied.push({ document, files: mine });
    });
    await answerSupplement(getDb(), dossier.id, message, changes, supplied);
    changed();
  }
  return (
    <div class="card warn" id="supplement">
      <h2>{t('Yêu cầu bổ sung giấy tờ', 'More documents requested')}</h2>
      <p>{s.reason}</p>
      {s.due_date && <p>{t('Hạn bổ sung', 'Due')}: {formatDate(s.due_date)}</p>}
      {documents.map((document, i) => (
        <fieldset key={i} class="supplied-document" data-testid="supplied-document">
          <legend>{document || t('Giấy tờ bổ sung', 'Documents')}</legend>
          {attachmentPaths.length > 1 && (
            <label>
              {t('Lưu vào mục', 'Keep under')}
              <select id={`supplement-slot-${i}`} value={slotOf(i)} onChange={(e) => setSlots({ ...slots, [i]: (e.target as HTMLSelectElement).value })}>
                {attachmentPaths.map((p) => (
                  <option key={p} value={p}>
                    {slotName(p)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <Attachments
            id={`supplement-files-${i}`}
            dossierId={dossier.id}
            path={slotOf(i)}
            value={files[i] ?? []}
            onLocalChange={(hashes) => setFiles((all) => ({ ...all, [i]: hashes }))}
          />
        </fieldset>
      ))}
      <label>
        {t('Lời nhắn', 'Message')}
        <textarea rows={3} value={message} onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="button" class="primary" onClick={() => void send()}>
        {t('Gửi bổ sung', 'Send')}
      </button>
    </div>
  );
}

function RateCard({ dossier }: { dossier: LocalDossier }) {
  const [stars, setStars] = useState(dossier.rating ?? 0);
  if (!deviceMay('rate', dossier.state)) return null;
  return (
    <div class="card">
      <h2>{t('Đánh giá dịch vụ', 'Rate the service')}</h2>
      <div class="row stars">
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            type="button"
            class={n <= stars ? 'star on' : 'star'}
            aria-label={`${n}`}
            onClick={async () => {
              setStars(n);
              await rateDossier(getDb(), dossier.id, n, '');
              changed();
            }}
          >
            ★
          </button>
        ))}
      </div>
    </div>
  );
}

/** The apology letters with their new dates: each opens as a PDF read from the server
 *  with the device credential (not kept on the device, so it needs a connection). */
function ApologyLetters({ dossier }: { dossier: LocalDossier }) {
  const [note, setNote] = useState<string | null>(null);
  const [opened, setOpened] = useState<{ number: number; url: string } | null>(null);
  useEffect(() => () => void (opened && URL.revokeObjectURL(opened.url)), [opened]);
  const letters = dossier.apology_letters ?? [];
  if (!letters.length) return null;
  const needsConnection = t('Cần có kết nối mạng để mở phiếu.', 'Opening the letter needs a connection.');
  async function open(number: number) {
    setNote(null);
    if (!online.value) return setNote(needsConnection);
    try {
      const url = URL.createObjectURL(await apologyLetter(getDb(), dossier.id, number));
      setOpened({ number, url });
      window.open(url, '_blank');
    } catch (e) {
      setNote(e instanceof NetworkError ? needsConnection : t('Chưa mở được phiếu. Hãy thử lại sau.', 'The letter could not be opened. Try again later.'));
    }
  }
  return (
    <div class="card" data-testid="apology-letters">
      {letters.map((a) => (
        <p key={a.number}>
          <button type="button" class="link" data-testid="apology-letter" onClick={() => void open(a.number)}>
            {t(`Phiếu xin lỗi và hẹn lại ngày trả kết quả (số ${a.number})`, `Apology letter with a new date (no. ${a.number})`)}
          </button>{' '}
          <span class="muted small">
            {formatTime(a.at)} · {t('hẹn mới', 'new date')}: {formatDate(a.new_date)}
          </span>
          {opened?.number === a.number && (
            // Where the browser kept the new tab from opening, the letter is one tap away.
            <>
              {' '}
              <a href={opened.url} target="_blank" rel="noopener" data-testid="apology-letter-file">
                {t('Mở tệp PDF', 'Open the PDF')}
              </a>
            </>
          )}
        </p>
      ))}
      {note && (
        <p class="error" role="alert" data-testid="apology-letter-note">
          {note}
        </p>
      )}
    </div>
  );
}

/** The receipt as a PDF, read from the server with the device credential (like the
 *  apology letters): it needs a connection, which the link says when there is none. */
function ReceiptPdfLink({ dossier }: { dossier: LocalDossier }) {
  const [note, setNote] = useState<string | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  // Only a dossier the server has received has a receipt.
  if (!dossier.code || dossier.submit_queued) return null;
  const needsConnection = t('Cần có kết nối mạng để tải biên nhận PDF.', 'Downloading the PDF receipt needs a connection.');
  async function open() {
    setNote(null);
    if (!online.value) return setNote(needsConnection);
    try {
      const next = URL.createObjectURL(await receiptPdf(getDb(), dossier.id));
      setUrl(next);
      window.open(next, '_blank');
    } catch (e) {
      setNote(e instanceof NetworkError ? needsConnection : t('Chưa tải được biên nhận. Hãy thử lại sau.', 'The receipt could not be downloaded. Try again later.'));
    }
  }
  return (
    <p>
      <button type="button" class="link" data-testid="receipt-pdf" onClick={() => void open()}>
        {t('Tải biên nhận (PDF)', 'Download the receipt (PDF)')}
      </button>
      {!online.value && <span class="muted small"> · {t('cần kết nối mạng', 'needs a connection')}</span>}
      {url && (
        // Where the browser kept the new tab from opening, the file is one tap away.
        <>
          {' '}
          <a href={url} target="_blank" rel="noopener" download={`bien-nhan-${dossier.code}.pdf`} data-testid="receipt-pdf-file">
            {t('Mở tệp PDF', 'Open the PDF')}
          </a>
        </>
      )}
      {note && (
        <span class="error" role="alert" data-testid="receipt-pdf-note">
          {' '}
          {note}
        </span>
      )}
    </p>
  );
}

/** A finished dossier: its register number and how the result reaches the person. */
function ResultCard({ dossier }: { dossier: LocalDossier }) {
  const level = catalog.value?.procedures.find((p) => p.code === dossier.procedure_code)?.level;
  if (dossier.state !== State.DONE && dossier.state !== State.RETURNED) return null;
  return (
    <div class="card" data-testid="dossier-result">
      <h2>{dossier.state === State.RETURNED ? t('Đã trả kết quả', 'Result handed over') : t('Kết quả đã sẵn sàng', 'The result is ready')}</h2>
      {dossier.register_number && (
        <p data-testid="register-number">
          {t('Số đăng ký (sổ hộ tịch)', 'Register number')}: <strong>{dossier.register_number}</strong>
        </p>
      )}
      {dossier.state === State.DONE && <p data-testid="how-to-collect">{howToCollect(level, dossier.answers)}</p>}
    </div>
  );
}

export function DossierStatus({ dossier }: { dossier: LocalDossier }) {
  const l = lang.value;
  const waiting = outbox.value.filter((i) => i.dossier_id === dossier.id && i.status === 'pending').length;
  // Past the date promised to the person, as the desk counts it: after an apology, the
  // new appointment, not the due date that was missed.
  const overdue = !dossier.submit_queued && isOverdue(dossier, vnToday());
  const mark = overdue ? ` ${t('(quá hạn)', '(overdue)')}` : '';
  return (
    <div class="dossier">
      <h1>{dossierTitle(dossier.answers) || t('Hồ sơ', 'Dossier')}</h1>
      <div class="card status">
        {dossier.code ? (
          <p class="code" data-testid="dossier-code">
            {displayCode(dossier.code)}
          </p>
        ) : (
          <p class="muted">{t('Mã hồ sơ sẽ có khi hồ sơ đến máy chủ.', 'The dossier code comes once the dossier reaches the server.')}</p>
        )}
        <p class="state" data-state={dossier.submit_queued ? 'queued' : String(dossier.state)}>
          {dossier.submit_queued ? t('Đã nộp trên máy – chờ gửi đi', 'Sent on this device – waiting to go out') : stateLabel(dossier.state, l)}
        </p>
        {!dossier.submit_queued && <p>{stateHint(dossier.state, l)}</p>}
        <CancelSubmit dossier={dossier} />
        {dossier.submitted_at && (
          <p>
            {t('Nộp lúc', 'Submitted')}: {formatTime(dossier.submitted_at)}
          </p>
        )}
        {dossier.due_date && (
          <p class={overdue && !dossier.appointment_date ? 'error' : ''} data-testid="dossier-due">
            {t('Hạn giải quyết', 'Due')}: {formatDate(dossier.due_date)}
            {dossier.appointment_date ? '' : mark}
          </p>
        )}
        {dossier.appointment_date && (
          <p class={overdue ? 'error' : ''} data-testid="dossier-appointment">
            {t('Ngày hẹn trả kết quả', 'Appointment')}: {formatDate(dossier.appointment_date)}
            {mark}
          </p>
        )}
        {waiting > 0 && <p class="muted">{t(`${waiting} thay đổi chờ gửi`, `${waiting} change(s) waiting to be sent`)}</p>}
        <p>
          <a href={`#/bien-nhan/${dossier.id}`}>{t('Biên nhận và mã QR', 'Receipt and QR code')}</a>
        </p>
        <ReceiptPdfLink dossier={dossier} />
        <ServiceLevelNote code={dossier.procedure_code} />
      </div>
      <ResultCard dossier={dossier} />
      <ApologyLetters dossier={dossier} />
      <RejectedList dossierId={dossier.id} />
      <ConflictsCard dossier={dossier} />
      <SupplementCard dossier={dossier} />
      {(dossier.messages ?? []).length > 0 && (
        <div class="card">
          <h2>{t('Trao đổi', 'Messages')}</h2>
          <ul class="messages">
            {dossier.messages!.map((m, i) => (
              <li key={i} class={m.author}>
                <span class="muted small">
                  {m.author === 'official' ? t('Cán bộ', 'Official') : t('Bạn', 'You')} · {formatTime(m.at)}
                </span>
                <p>{m.text}</p>
              </li>
            ))}
          </ul>
        </div>
      )}
      <RateCard dossier={dossier} />
      {deviceMay('withdraw', dossier.state) && (
        <p>
          <button
            type="button"
            class="link danger"
            onClick={async () => {
              const reason = prompt(t('Lý do rút hồ sơ?', 'Why withdraw?')) ?? null;
              if (reason === null) return;
              await withdrawDossier(getDb(), dossier.id, reason);
              changed();
            }}
          >
            {t('Yêu cầu rút hồ sơ', 'Ask to withdraw')}
          </button>
        </p>
      )}
    </div>
  );
}
