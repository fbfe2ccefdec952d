// Sync status, always at hand: what waits, when the last sync succeeded, what needs
// attention; the details page lists refused changes with their reasons and data.

import { attention, changed, counts, device, dossiers, getDb, loopStatus, needsSignIn, online, outbox, persisted, putBackRefused, refusedCount, refusedFiles, syncMeta, syncNow, unsyncedWork, waitingFiles } from '../app';
import { atRiskNoteShown } from './AtRiskNote';
import type { Reason } from '../api/types';
import { atRiskText } from '../atRisk';
import { FreeSpace } from './FreeSpace';
import type { LocalDossier, OutboxItem } from '../db';
import type { Schema } from '../forms/types';
import { labelOf } from './Review';
import { useProcedure } from './useProcedure';
import { dismissRejected } from '../outbox';
import { formatTime, t } from '../i18n';
import { shortReference } from '../dossierNames';
import { displayCode } from '../codes';
import { dossierTitle } from '../formModel';
import { dismissPutBackRefusal } from '../recovery';
import { lastRecoveryText, recoveringText, syncOutcomeText } from '../syncStatus';

export function SyncBar() {
  const c = counts.value;
  const meta = syncMeta.value;
  const phase = loopStatus.value.phase;
  // Refusals are said in the text already; the badge counts what else needs the person.
  const others = attention.value - refusedCount.value;
  // Being offline is said once, on the line below the bar (App's NoteLine).
  const parts: string[] = [];
  // Said first: the bar is one line, and this is what the person needs to know now.
  if (meta.recovering) parts.push(recoveringText());
  parts.push(c.pending ? t(`${c.pending} thay đổi chờ gửi`, `${c.pending} change(s) waiting`) : t('Không có gì chờ gửi', 'Nothing waiting'));
  if (phase === 'syncing' && !meta.recovering) parts.push(t('Đang đồng bộ…', 'Syncing…'));
  parts.push(syncOutcomeText(refusedCount.value, meta.last_success_at));
  return (
    <a
      href="#/dong-bo"
      class={`syncbar${attention.value ? ' attention' : ''}${online.value ? '' : ' offline'}`}
      data-testid="syncbar"
      data-recovering={meta.recovering ? 'true' : 'false'}
      data-pending={c.pending}
      data-refused={refusedCount.value}
    >
      <span>{parts.filter(Boolean).join(' · ')}</span>
      {needsSignIn.value && c.pending > 0 && !atRiskNoteShown() && <span class="badge">{t('Đăng nhập để gửi', 'Sign in to send')}</span>}
      {others > 0 && <span class="badge danger">{t(`${others} cần chú ý`, `${others} need attention`)}</span>}
    </a>
  );
}

/** How these lists name a dossier: the people it is about, else its code, else a short
 *  reference; never its id. */
function bareName(d: LocalDossier | undefined, id: string): string {
  const title = d ? dossierTitle(d.answers) : '';
  if (title) return `\u201c${title}\u201d`;
  return d?.code ? displayCode(d.code) : shortReference(id);
}

/** "hồ sơ “Nguyễn Minh Khang”", "hồ sơ 3F9A C21E". */
function listName(d: LocalDossier | undefined, id: string): string {
  const name = bareName(d, id);
  return t(`hồ sơ ${name}`, `dossier ${name}`);
}

// {d}: the dossier with its noun ("hồ sơ “Khang”"); {x}: its name alone.
const WAITING_TEXT: Record<string, [string, string]> = {
  create_draft: ['Tạo {d}', 'Start {d}'],
  edit_draft: ['Sửa thông tin {d}', 'Changes to {d}'],
  attach: ['Đính kèm tệp vào {d}', 'A file attached to {d}'],
  detach: ['Bỏ tệp khỏi {d}', 'A file removed from {d}'],
  submit: ['Nộp {d}', 'Send {d}'],
  withdraw: ['Xin rút {d}', 'Ask to withdraw {d}'],
  answer_supplement: ['Bổ sung giấy tờ cho {d}', 'Documents added to {d}'],
  resolve_conflict: ['Chọn giá trị cho {d}', 'Choices made for {d}'],
  rate: ['Đánh giá {d}', 'Rating of {d}'],
  delete_draft: ['Xóa bản nháp {x}', 'Delete the draft {x}'],
};

/** A change waiting to go, as a sentence: what, to which dossier, when it was made. */
function waitingText(item: OutboxItem, d: LocalDossier | undefined): string {
  const [vi, en] = WAITING_TEXT[item.kind] ?? ['Thay đổi {d}', 'A change to {d}'];
  const x = bareName(d, item.dossier_id);
  const fill = (template: string, noun: string) => template.replace('{d}', `${noun} ${x}`).replace('{x}', x);
  const when = formatTime(item.client_time);
  return t(`${fill(vi, 'hồ sơ')} (lúc ${when})`, `${fill(en, 'dossier')} (${when})`);
}

function kindText(item: OutboxItem): string {
  const map: Record<string, [string, string]> = {
    create_draft: ['Tạo hồ sơ', 'Create dossier'],
    edit_draft: ['Sửa thông tin', 'Edit'],
    attach: ['Đính kèm tệp', 'Attach file'],
    detach: ['Bỏ tệp', 'Remove file'],
    submit: ['Nộp hồ sơ', 'Submit'],
    withdraw: ['Rút hồ sơ', 'Withdraw'],
    answer_supplement: ['Bổ sung giấy tờ', 'Answer request'],
    resolve_conflict: ['Chọn giá trị', 'Resolve'],
    rate: ['Đánh giá', 'Rate'],
    delete_draft: ['Xóa bản nháp', 'Delete draft'],
  };
  const pair = map[item.kind] ?? [item.kind, item.kind];
  return t(pair[0], pair[1]);
}

// The engine's hints are in English (sync/README.md §3.5); these say it to the person.
const REASON_TEXT: Record<string, [string, string]> = {
  submitted_withdraw_instead: ['Hồ sơ đã nộp không xóa được; bạn có thể yêu cầu rút hồ sơ.', 'A submitted dossier cannot be deleted; you can ask to withdraw it.'],
  draft_deleted: ['Bản nháp này đã bị xóa.', 'This draft was deleted.'],
  agency_fixed: ['Hồ sơ đã nộp thì không đổi được cơ quan tiếp nhận; muốn nộp nơi khác, hãy rút hồ sơ và nộp hồ sơ mới.', 'The receiving agency cannot change after submission; to apply elsewhere, withdraw and submit a new dossier.'],
  // A restored server would not take a dossier back (sync/README.md §9.2).
  seal_invalid: [
    'Máy chủ không xác nhận được mã của hồ sơ này. Hãy mang mã hồ sơ đến bộ phận một cửa để được hỗ trợ.',
    'The server could not confirm this dossier\'s code. Take the code to the one-stop desk for help.',
  ],
  code_taken: [
    'Mã của hồ sơ này đã thuộc về một hồ sơ khác trên máy chủ. Hãy mang mã hồ sơ đến bộ phận một cửa để được hỗ trợ.',
    'This dossier\'s code now belongs to another dossier on the server. Take the code to the one-stop desk for help.',
  ],
  // Set aside by the app itself (sync.ts): larger than any request the server takes.
  too_large: [
    'Thay đổi này quá lớn để gửi lên máy chủ (có thể do dán một đoạn văn bản rất dài). Hãy rút ngắn nội dung đã nhập.',
    'This change is too large to send to the server (perhaps a very long text was pasted). Shorten what was typed.',
  ],
  unknown_dossier: ['Hồ sơ này không thuộc tài khoản đang đăng nhập.', 'This dossier does not belong to the signed-in account.'],
  attachment_not_uploaded: ['Máy chủ chưa có tệp đính kèm của hồ sơ này.', 'The server does not have this dossier\'s attached file.'],
  changed_since_seen: [
    'Bản nháp đã được sửa trên máy khác sau khi bạn mở nó, nên chưa xóa. Hãy xem lại rồi xóa nếu vẫn muốn.',
    'The draft was changed on another device after you opened it, so it was not deleted. Look it over, then delete it if you still want to.',
  ],
};

function reasonText(r: Reason): string {
  const pair = REASON_TEXT[r.code];
  return pair ? t(pair[0], pair[1]) : r.message || r.code;
}

/** Each reason with the field it is about, named as on the form when the form is on the device. */
function Reasons({ item, dossier }: { item: OutboxItem; dossier: LocalDossier | undefined }) {
  const { procedure } = useProcedure(dossier?.procedure_code, dossier?.schema_version);
  const form = procedure?.form as unknown as Schema | undefined;
  return (
    <ul>
      {(item.reasons ?? []).map((r, i) => {
        const label = form && r.path ? labelOf(form, r.path) : r.path;
        return (
          <li key={i} data-path={r.path}>
            {label && (label === r.path ? <code>{r.path}</code> : <strong>{label}:</strong>)} {reasonText(r)}
          </li>
        );
      })}
    </ul>
  );
}

export function RejectedList({ dossierId }: { dossierId?: string }) {
  const items = outbox.value.filter((i) => i.status === 'rejected' && (!dossierId || i.dossier_id === dossierId));
  if (!items.length) return null;
  return (
    <div class="card error-box" data-testid="rejected">
      <h2>{t('Máy chủ không nhận các thay đổi này', 'The server refused these changes')}</h2>
      <p class="small">{t('Dữ liệu của bạn vẫn còn trên máy. Sửa theo lý do rồi gửi lại.', 'Your data is still on this device. Fix what is said and send again.')}</p>
      <ul>
        {items.map((item) => {
          const d = dossiers.value.find((x) => x.id === item.dossier_id);
          return (
            <li key={item.seq}>
              <strong>{kindText(item)}</strong> — <a href={`#/ho-so/${item.dossier_id}`}>{listName(d, item.dossier_id)}</a>
              <Reasons item={item} dossier={d} />
              <GotIt dismiss={() => dismissRejected(getDb(), item.seq)} />
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The person has read why: the refusal leaves the list (their data stays). */
function GotIt({ dismiss }: { dismiss: () => Promise<unknown> }) {
  return (
    <button
      type="button"
      class="link"
      onClick={async () => {
        await dismiss();
        changed();
      }}
    >
      {t('Đã hiểu', 'Got it')}
    </button>
  );
}

/** Dossiers a server restored from a backup would not take back: why, and that the data is still here. */
export function PutBackRefused() {
  const list = putBackRefused.value;
  if (!list.length) return null;
  return (
    <div class="card error-box" data-testid="put-back-refused">
      <h2>{t('Máy chủ chưa nhận lại các hồ sơ này', 'The server did not take these dossiers back')}</h2>
      <p class="small">{t('Máy chủ vừa được khôi phục từ bản sao lưu. Dữ liệu của bạn vẫn còn trên máy.', 'The server was restored from a backup. Your data is still on this device.')}</p>
      <ul>
        {list.map((d) => (
          <li key={d.id}>
            <a href={`#/ho-so/${d.id}`}>{listName(d, d.id)}</a>
            <ul>
              {d.put_back_refused!.reasons.map((r, i) => (
                <li key={i}>{reasonText(r)}</li>
              ))}
            </ul>
            <GotIt dismiss={() => dismissPutBackRefusal(getDb(), d.id)} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Files the server will not keep, with its reason and the dossiers that hold them. */
export function RefusedFiles() {
  const files = refusedFiles.value;
  if (!files.length) return null;
  return (
    <div class="card error-box" data-testid="refused-files">
      <h2>{t('Máy chủ không nhận các tệp này', 'The server refused these files')}</h2>
      <p class="small">{t('Mở hồ sơ, bỏ tệp bị từ chối, chọn tệp khác rồi nộp lại.', 'Open the dossier, remove the refused file, choose another and submit again.')}</p>
      <ul>
        {files.map((f) => (
          <li key={f.sha256}>
            <strong>{f.name}</strong>: {f.refused.message}
            {dossiers.value
              .filter((d) => Object.values(d.answers).some((v) => Array.isArray(v) && v.includes(f.sha256)))
              .map((d) => (
                <span key={d.id}>
                  {' '}
                  — <a href={`#/ho-so/${d.id}`}>{listName(d, d.id)}</a>
                </span>
              ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function SyncPage() {
  const pending = outbox.value.filter((i) => i.status === 'pending' && !i.discarded);
  const status = loopStatus.value;
  const meta = syncMeta.value;
  const atRisk = persisted.value === false ? atRiskText(unsyncedWork.value) : null;
  const recovered = lastRecoveryText(meta);
  return (
    <div>
      <h1>{t('Đồng bộ', 'Sync')}</h1>
      <div class="card">
        <p>{online.value ? t('Đang có mạng.', 'Online.') : t('Không có mạng: mọi thay đổi được giữ trên máy.', 'Offline: every change is kept on this device.')}</p>
        <p>
          {t('Lần đồng bộ thành công gần nhất', 'Last successful sync')}: <strong>{meta.last_success_at ? formatTime(meta.last_success_at) : t('chưa có', 'never')}</strong>
        </p>
        {meta.recovering && (
          <p class="warning" data-testid="recovering">
            {recoveringText()}
          </p>
        )}
        {!meta.recovering && recovered && <p data-testid="recovered">{recovered}</p>}
        {status.phase === 'waiting' && status.nextAttemptAt && (
          <p class="warning">
            {t('Lỗi, sẽ thử lại lúc', 'Failed; next try at')} {formatTime(new Date(status.nextAttemptAt).toISOString())} ({status.lastError})
          </p>
        )}
        {(!device.value || meta.needs_sign_in) && (
          <p class="warning" data-testid="sign-in-to-send">
            {/* "Nothing is lost" only where the browser keeps it for sure; else the note below says what could be. */}
            {atRisk ? t('Cần đăng nhập để gửi hồ sơ.', 'Sign in to send.') : t('Cần đăng nhập để gửi hồ sơ. Không có gì bị mất.', 'Sign in to send. Nothing is lost.')}{' '}
            <a href="#/tai-khoan">{t('Đăng nhập', 'Sign in')}</a>
          </p>
        )}
        {atRisk && (
          <p class="warning" data-testid="at-risk-sync">
            {atRisk}{' '}
            {t('Hãy cài ứng dụng vào màn hình chính và đồng bộ thường xuyên.', 'Install the app to the home screen and sync often.')}
          </p>
        )}
        {/* The note above counts the waiting files already. */}
        {waitingFiles.value > 0 && !atRisk && <p>{t(`${waitingFiles.value} tệp đính kèm chờ gửi`, `${waitingFiles.value} file(s) waiting to upload`)}</p>}
        <button type="button" class="primary" disabled={!online.value || status.phase === 'syncing'} onClick={() => void syncNow('button')}>
          {status.phase === 'syncing' ? t('Đang đồng bộ…', 'Syncing…') : t('Đồng bộ ngay', 'Sync now')}
        </button>
      </div>
      <PutBackRefused />
      <RefusedFiles />
      <FreeSpace />
      <RejectedList />
      <div class="card">
        <h2>{t(`Chờ gửi (${pending.length})`, `Waiting (${pending.length})`)}</h2>
        <ul>
          {pending.map((i) => {
            const d = dossiers.value.find((x) => x.id === i.dossier_id);
            return (
              <li key={i.seq} data-testid="waiting-change">
                {waitingText(i, d)}
              </li>
            );
          })}
        </ul>
      </div>
    </div>
  );
}
