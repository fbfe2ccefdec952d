// One dossier at the desk: its answers and files, dates, fee and result, linked
// tasks, a possible duplicate side by side, the actions its state allows (each a
// small form), and its history. Every change is a call to /api/desk; the screen
// reloads the dossier from the server's answer.

import { useEffect, useState } from 'preact/hooks';
import { communes } from '../../app';
import { displayCode } from '../../codes';
import type { DeviceRecord } from '../../db';
import { allowedActions, type ActionSpec } from '../../desk/actions';
import { act, fetchDeskDossier, fetchDuplicatePair, updateTask, type ActionResult, type DeskDossier, type DeskTask } from '../../desk/api';
import { fieldVisible, sectionVisible, valueText } from '../../formModel';
import type { Field, JsonValue, Schema } from '../../forms/types';
import { actorName, fieldLabel, formField, groupHistory, lineDetails, lineTitle, entryDetails, entryTitle, type HistoryLine, type HistoryNames } from '../../desk/history';
import { formatDate, formatTime, lang, t, tx } from '../../i18n';
import { State, stateLabel } from '../../states';
import { useProcedure } from '../useProcedure';
import { requesterFlag, unshownFlagPaths } from '../../desk/verifiedRequester';
import { ActionForm } from './ActionForm';
import { ProblemBox, StatePill } from './common';
import { VerifiedFlag } from './VerifiedFlag';

const SHA256 = /^[0-9a-f]{64}$/;
const isFileList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((h) => typeof h === 'string' && SHA256.test(h));

const AGENCIES: Record<string, [string, string]> = {
  police: ['Công an', 'Police'],
  social_insurance: ['Bảo hiểm xã hội', 'Social insurance'],
  labour_social_affairs: ['Lao động – Thương binh và Xã hội', 'Labour and social affairs'],
};

const TASK_STATES: Record<string, [string, string]> = {
  pending: ['Chưa chuyển', 'Not handed over'],
  handed_over: ['Đã chuyển giao', 'Handed over'],
  done: ['Đã xong', 'Done'],
};

function words(map: Record<string, [string, string]>, key: string): string {
  const w = map[key];
  return w ? t(w[0], w[1]) : key;
}

/** What the last action did: one sentence, with the new date where there is one. */
function doneText(spec: ActionSpec, result: ActionResult): string {
  const done = t(spec.done[0], spec.done[1]);
  if (spec.action === 'receive' && result.appointment_date) {
    return `${done} ${t('Ngày hẹn trả kết quả', 'Appointment date')}: ${formatDate(result.appointment_date)}.`;
  }
  if ((spec.action === 'extend_for_verification' || spec.action === 'apologise') && result.appointment_date) {
    return `${done} ${t('Ngày hẹn trả kết quả mới', 'New appointment date')}: ${formatDate(result.appointment_date)}.`;
  }
  return done;
}

export function DossierScreen({ dev, id }: { dev: DeviceRecord; id: string }) {
  const [dossier, setDossier] = useState<DeskDossier | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<ActionSpec | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function load() {
    try {
      setDossier(await fetchDeskDossier(dev, id));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    setDossier(null);
    setOpen(null);
    setDone(null);
    void load();
  }, [id, dev.device_id]);

  if (error && !dossier) return <ProblemBox error={error} />;
  if (!dossier) return <p class="muted">{t('Đang tải…', 'Loading…')}</p>;
  const actions = allowedActions(dossier.state, dossier);
  return (
    <div class="desk desk-dossier" data-state={dossier.state}>
      <p class="no-print">
        <a href="#/mot-cua">{t('‹ Danh sách hồ sơ', '‹ Back to the queue')}</a>
      </p>
      <div class="card status">
        <p class="muted">{tx(dossier.procedure)}</p>
        <p class="code" data-testid="desk-code">
          {dossier.code ? displayCode(dossier.code) : '—'}
        </p>
        <p>
          <StatePill state={dossier.state} label={dossier.state_label} /> {dossier.overdue && <span class="pill overdue">{t('Quá hạn', 'Overdue')}</span>}
        </p>
        <dl>
          <Row label={t('Nộp lúc', 'Submitted')} value={formatTime(dossier.submitted_at)} />
          <Row label={t('Tiếp nhận lúc', 'Received')} value={formatTime(dossier.received_at)} />
          <Row label={t('Hạn giải quyết', 'Due')} value={formatDate(dossier.due_date)} testid="desk-due" />
          <Row label={t('Ngày hẹn trả kết quả', 'Appointment date')} value={formatDate(dossier.appointment_date)} testid="desk-appointment" />
          <Row label={t('Mức độ dịch vụ', 'Service level')} value={String(dossier.level)} />
          {dossier.fee && <Row label={t('Lệ phí', 'Fee')} value={feeText(dossier.fee)} />}
          {dossier.result && <Row label={t('Kết quả', 'Result')} value={resultText(dossier.result)} />}
          {dossier.extended_at && (
            <Row
              label={t('Gia hạn để xác minh', 'Extended to verify')}
              value={`${formatTime(dossier.extended_at)} · ${dossier.extended_days ?? ''} ${t('ngày làm việc', 'working days')}`}
              testid="desk-extended"
            />
          )}
          {dossier.rating_stars != null && <Row label={t('Đánh giá', 'Rating')} value={`${'★'.repeat(dossier.rating_stars)} ${dossier.rating_comment}`} />}
        </dl>
        <p class="no-print">
          <a class="button secondary" href={`/api/dossiers/${dossier.id}/receipt.pdf`} target="_blank" rel="noopener" data-testid="desk-receipt">
            {t('In biên nhận (PDF)', 'Print the receipt (PDF)')}
          </a>
          {(dossier.apology_letters ?? []).map((n) => (
            <a key={n} class="button secondary" href={`/api/dossiers/${dossier.id}/apology/${n}`} target="_blank" rel="noopener" data-testid="desk-apology-letter">
              {t('Phiếu xin lỗi', 'Apology letter')} {n} (PDF)
            </a>
          ))}
        </p>
        {dossier.extended_days != null && !dossier.extended_at && dossier.extended_when && (
          <p class="small muted no-print" data-testid="desk-extension-hint">
            {t('Có thể gia hạn tới', 'May be extended to')} {dossier.extended_days} {t('ngày làm việc khi', 'working days when')} {tx(dossier.extended_when)}.
          </p>
        )}
      </div>

      {done && (
        <p class="card ok-box" role="status" data-testid="desk-done">
          {done}
        </p>
      )}

      {dossier.possible_duplicate_of && !dossier.duplicate_decision && <DuplicateCard dev={dev} dossier={dossier} onChanged={(text) => { setDone(text); void load(); }} />}

      <section class="card no-print" data-testid="desk-actions">
        <h2>{t('Xử lý hồ sơ', 'Actions')}</h2>
        <div class="row">
          {actions.map((spec) => (
            <button
              key={spec.action}
              type="button"
              class={open?.action === spec.action ? `${spec.tone} on` : spec.tone}
              aria-expanded={open?.action === spec.action}
              data-action={spec.action}
              onClick={() => {
                setOpen(open?.action === spec.action ? null : spec);
              }}
            >
              {t(spec.label[0], spec.label[1])}
            </button>
          ))}
        </div>
        {open && (
          <ActionForm
            key={`${open.action}-${dossier.version}`}
            dev={dev}
            dossierId={dossier.id}
            spec={open}
            onDone={(result) => {
              setDone(doneText(open, result));
              setOpen(null);
              void load();
            }}
            onCancel={() => setOpen(null)}
          />
        )}
      </section>

      {dossier.tasks.length > 0 && <TasksCard dev={dev} dossier={dossier} onChanged={() => void load()} />}

      <FieldsCard dossier={dossier} />

      <HistoryCard dossier={dossier} />
    </div>
  );
}

function Row({ label, value, testid }: { label: string; value: string; testid?: string }) {
  if (!value) return null;
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testid}>{value}</dd>
    </div>
  );
}

function feeText(fee: Record<string, unknown>): string {
  const amount = typeof fee.amount === 'number' ? `${fee.amount.toLocaleString('vi-VN')} đ` : '';
  const how = fee.method === 'online' ? t('trực tuyến', 'online') : t('tại quầy', 'at the desk');
  const paid = fee.paid_at ? ` · ${t('đã nộp', 'paid')} ${formatTime(String(fee.paid_at))} (${String(fee.reference ?? '')})` : ` · ${t('chưa nộp', 'not paid')}`;
  return `${amount} ${how}${paid}`;
}

function resultText(result: Record<string, unknown>): string {
  const parts = [];
  if (result.register_number) parts.push(`${t('Số đăng ký', 'Register no.')} ${String(result.register_number)}`);
  if (result.method === 'post') parts.push(`${t('gửi bưu chính', 'by post')} ${String(result.tracking_number ?? '')}`);
  else if (result.method === 'desk') parts.push(t('trả tại quầy', 'returned at the desk'));
  return parts.join(' · ');
}

function FileLinks({ hashes, names }: { hashes: string[]; names: Record<string, string> }) {
  return (
    <span class="file-links">
      {hashes.map((h, i) => (
        <a key={h} href={`/api/blobs/${h}`} target="_blank" rel="noopener" data-testid="desk-attachment">
          {names[h] ?? `${t('Tệp', 'File')} ${i + 1}`}
        </a>
      ))}
    </span>
  );
}

function shownValue(field: Field | null, value: unknown, names: Record<string, string> = {}): preact.ComponentChild {
  if (isFileList(value)) return <FileLinks hashes={value} names={names} />;
  if (field) return valueText(field, value as JsonValue, communes.value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The history in sentences; a person's run of edits is one line, opened for each edit. */
function HistoryCard({ dossier }: { dossier: DeskDossier }) {
  const { procedure } = useProcedure(dossier.procedure_code, dossier.schema_version);
  const schema = procedure?.form as unknown as Schema | undefined;
  const fileNames = dossier.file_names ?? {};
  const names: HistoryNames = {
    field: (path) => fieldLabel(schema, path),
    file: (sha) => fileNames[sha] ?? null,
    task: (task) => tx(procedure?.linked_tasks?.find((l) => l.id === task)?.name) || task,
  };
  return (
    <section class="card">
      <h2>{t('Lịch sử', 'History')}</h2>
      <ol class="history" data-testid="desk-history">
        {groupHistory(dossier.history).map((line, i) => (
          <HistoryRow key={i} line={line} names={names} />
        ))}
      </ol>
    </section>
  );
}

function HistoryRow({ line, names }: { line: HistoryLine; names: HistoryNames }) {
  const last = line.entries[line.entries.length - 1]!;
  const head = (
    <>
      {/* A run of edits says its times in its title ("Sửa hồ sơ 25 lần, 14:02–16:54 …"). */}
      {line.entries.length === 1 && <span class="muted small">{formatTime(last.at)} </span>}
      <span class="muted small">{actorName(last)}:</span> <strong>{lineTitle(line, names)}</strong>
      {last.from_state !== last.to_state && (
        <span class="muted small">
          {' '}
          ({stateLabel(last.from_state, lang.value)} → {stateLabel(last.to_state, lang.value)})
        </span>
      )}
      .
    </>
  );
  const details = lineDetails(line, names);
  return (
    <li data-action={last.action}>
      {line.entries.length > 1 ? (
        <details>
          <summary>
            {head} {details.length > 0 && <span class="small">{details.join(' ')}</span>}
          </summary>
          <ol class="history-edits">
            {line.entries.map((e, i) => (
              <li key={i} class="small">
                <span class="muted">{formatTime(e.at)}</span> {entryTitle(e, names)}. {entryDetails(e, names).join(' ')}
              </li>
            ))}
          </ol>
        </details>
      ) : (
        <>
          {head}
          {details.length > 0 && <p class="small muted">{details.join(' ')}</p>}
        </>
      )}
      {last.message && <p class="small">{last.message}</p>}
    </li>
  );
}

/** The answers, by the form's sections and labels when the form is known; by path otherwise.
 *  The requester's answers carry what the server found against the person's e-ID. */
function FieldsCard({ dossier }: { dossier: DeskDossier }) {
  const { procedure } = useProcedure(dossier.procedure_code, dossier.schema_version);
  const schema = procedure?.form as unknown as Schema | undefined;
  const values = dossier.fields as Record<string, JsonValue>;
  const verified = dossier.verified_requester;
  const flagOf = (path: string, field: Field | null) =>
    requesterFlag(verified, path, (v) => (field ? valueText(field, v, communes.value) : v) || v);
  if (!schema?.sections) {
    const paths = Object.keys(values);
    return (
      <section class="card" data-testid="desk-fields">
        <h2>{t('Nội dung hồ sơ', 'Answers')}</h2>
        <dl>
          {[...paths, ...unshownFlagPaths(verified, paths)].map((path) => (
            <div key={path} data-path={path}>
              <dt>{path}</dt>
              <dd>
                {path in values ? shownValue(null, values[path], dossier.file_names) : '—'}
                <VerifiedFlag flag={flagOf(path, null)} />
              </dd>
            </div>
          ))}
        </dl>
      </section>
    );
  }
  return (
    <section class="card" data-testid="desk-fields">
      <h2>{t('Nội dung hồ sơ', 'Answers')}</h2>
      {schema.sections.map((section) => {
        if (!sectionVisible(section, values)) return null;
        const pathOf = (f: Field) => `${section.id}.${f.id}`;
        const rows = section.fields.filter((f) => fieldVisible(section, f, values) && values[pathOf(f)] !== undefined && values[pathOf(f)] !== null);
        // A verified fact the answers do not show (left empty, or behind a passport)
        // still gets its row, so the desk sees it is missing.
        const unshown = new Set(unshownFlagPaths(verified, rows.map(pathOf)));
        const flagged = section.fields.filter((f) => rows.includes(f) || unshown.has(pathOf(f)));
        if (!flagged.length) return null;
        return (
          <div key={section.id}>
            <h3>{tx(section.title)}</h3>
            {verified && section.id === 'requester' && (
              <p class="small muted" data-testid="desk-verified-at">
                {t(
                  `Người nộp đã xác thực qua ${tx(verified.provider_label) || verified.provider} lúc ${formatTime(verified.verified_at)}.`,
                  `The applicant was verified by ${tx(verified.provider_label) || verified.provider} at ${formatTime(verified.verified_at)}.`,
                )}
              </p>
            )}
            <dl>
              {flagged.map((f) => (
                <div key={f.id} data-path={pathOf(f)}>
                  <dt>{tx(f.label)}</dt>
                  <dd>
                    {rows.includes(f) ? shownValue(f, values[pathOf(f)], dossier.file_names) : '—'}
                    <VerifiedFlag flag={flagOf(pathOf(f), f)} />
                  </dd>
                </div>
              ))}
            </dl>
          </div>
        );
      })}
    </section>
  );
}

function TasksCard({ dev, dossier, onChanged }: { dev: DeviceRecord; dossier: DeskDossier; onChanged: () => void }) {
  const { procedure } = useProcedure(dossier.procedure_code, dossier.schema_version);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [refs, setRefs] = useState<Record<string, string>>({});
  async function move(task: DeskTask, state: 'handed_over' | 'done') {
    setBusy(true);
    setError(null);
    try {
      await updateTask(dev, dossier.id, task.task, state, refs[task.task] ?? '');
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const name = (task: string) => tx(procedure?.linked_tasks?.find((l) => l.id === task)?.name) || task;
  return (
    <section class="card" data-testid="desk-tasks">
      <h2>{t('Liên thông', 'Linked tasks')}</h2>
      {error != null && <ProblemBox error={error} />}
      <ul class="list tasks">
        {dossier.tasks.map((task) => (
          <li key={task.task} class="task" data-task={task.task} data-task-state={task.state}>
            <div>
              <strong>{name(task.task)}</strong> <span class="muted small">{words(AGENCIES, task.agency)}</span>{' '}
              <span class={`pill task-${task.state}`}>{words(TASK_STATES, task.state)}</span>
              {task.reference && <span class="small muted"> · {task.reference}</span>}
            </div>
            {task.state !== 'done' && (
              <div class="row">
                {task.state === 'pending' && (
                  <input
                    aria-label={t('Số văn bản chuyển giao (không bắt buộc)', 'Hand-over reference (optional)')}
                    placeholder={t('Số văn bản chuyển giao', 'Hand-over reference')}
                    value={refs[task.task] ?? ''}
                    onInput={(e) => setRefs({ ...refs, [task.task]: (e.target as HTMLInputElement).value })}
                  />
                )}
                {task.state === 'pending' && (
                  <button type="button" class="secondary" disabled={busy} onClick={() => void move(task, 'handed_over')}>
                    {t('Chuyển giao', 'Hand over')}
                  </button>
                )}
                <button type="button" class="secondary" disabled={busy} onClick={() => void move(task, 'done')}>
                  {t('Đánh dấu đã xong', 'Mark done')}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function DuplicateCard({ dev, dossier, onChanged }: { dev: DeviceRecord; dossier: DeskDossier; onChanged: (text: string) => void }) {
  const { procedure } = useProcedure(dossier.procedure_code, dossier.schema_version);
  const schema = procedure?.form as unknown as Schema | undefined;
  const [pair, setPair] = useState<DeskDossier[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function compare() {
    try {
      setPair(await fetchDuplicatePair(dev, dossier.id));
    } catch (e) {
      setError(e);
    }
  }
  async function decide(duplicate: boolean) {
    setBusy(true);
    setError(null);
    try {
      if (duplicate) await act(dev, dossier.id, 'mark_duplicate', { of: dossier.possible_duplicate_of });
      else await act(dev, dossier.id, 'mark_not_duplicate', {});
      onChanged(duplicate ? t('Đã đánh dấu là hồ sơ trùng.', 'Marked as a duplicate.') : t('Đã xác nhận không trùng.', 'Confirmed not a duplicate.'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const other = pair?.[1];
  const keys = pair ? [...new Set(pair.flatMap((d) => Object.keys(d.fields)))].sort() : [];
  const files = { ...pair?.[0]?.file_names, ...other?.file_names };
  return (
    <section class="card warn" data-testid="desk-duplicate">
      <h2>{t('Có thể trùng với hồ sơ khác', 'Possibly a duplicate')}</h2>
      {error != null && <ProblemBox error={error} />}
      {!pair && (
        <button type="button" class="secondary" onClick={() => void compare()}>
          {t('So sánh hai hồ sơ', 'Compare side by side')}
        </button>
      )}
      {pair && other && (
        <div class="compare-wrap">
          <table class="compare">
            <thead>
              <tr>
                <th />
                <th>{t('Hồ sơ này', 'This dossier')}</th>
                <th>
                  <a href={`#/mot-cua/ho-so/${other.id}`}>{other.code ? displayCode(other.code) : t('Hồ sơ kia', 'The other')}</a>
                </th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th>{t('Trạng thái', 'State')}</th>
                <td>{stateLabel(pair[0]!.state, lang.value)}</td>
                <td>{stateLabel(other.state, lang.value)}</td>
              </tr>
              <tr>
                <th>{t('Nộp lúc', 'Submitted')}</th>
                <td>{formatTime(pair[0]!.submitted_at)}</td>
                <td>{formatTime(other.submitted_at)}</td>
              </tr>
              {keys.map((k) => {
                const a = pair[0]!.fields[k];
                const b = other.fields[k];
                const differ = JSON.stringify(a) !== JSON.stringify(b);
                return (
                  <tr key={k} class={differ ? 'differ' : ''}>
                    <th>{fieldLabel(schema, k)}</th>
                    <td>{a === undefined ? '' : shownValue(formField(schema, k)?.field ?? null, a, files)}</td>
                    <td>{b === undefined ? '' : shownValue(formField(schema, k)?.field ?? null, b, files)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div class="row">
        {dossier.state === State.SUBMITTED && (
          <button type="button" class="danger" disabled={busy} onClick={() => void decide(true)} data-action="mark_duplicate">
            {t('Đánh dấu là trùng (không tiếp nhận)', 'Mark duplicate (not received)')}
          </button>
        )}
        <button type="button" class="secondary" disabled={busy} onClick={() => void decide(false)} data-action="mark_not_duplicate">
          {t('Không trùng', 'Not a duplicate')}
        </button>
      </div>
    </section>
  );
}
