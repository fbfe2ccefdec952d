// A dossier's history as the official reads it: one sentence per entry, in the
// reader's language, with the form's labels, the files' names, dates as dd/mm/yyyy
// and roles by name — never the server's codes. A person's run of edits to the
// draft is one entry (a phone saves each change: 25 edits are one afternoon's work).

import { displayCode } from '../codes';
import type { Field, Schema, Section } from '../forms/types';
import { formatDate, formatTime, lang, t, tx } from '../i18n';
import { roleName } from '../roleNames';

/** What the history needs of an entry (the server's HistoryEntry). */
export interface HistoryItem {
  at: string;
  action: string;
  from_state: number;
  to_state: number;
  actor_role: string;
  actor_id?: string | null;
  message: string;
  detail: Record<string, unknown>;
}

/** Where the words for codes come from: the procedure's form, the files, the linked tasks. */
export interface HistoryNames {
  /** The field's label for a path ("child.birth_date"); the path itself when unknown. */
  field: (path: string) => string;
  /** The name the file was sent with; null when the server no longer knows it. */
  file: (sha256: string) => string | null;
  /** The linked task's name. */
  task: (task: string) => string;
}

/** One line of the history: an entry, or a run of edits by one person. */
export interface HistoryLine {
  entries: HistoryItem[];
}

const GROUPED = new Set(['edit_draft']);

/** Consecutive edits to the draft by the same person become one line. */
export function groupHistory(entries: readonly HistoryItem[]): HistoryLine[] {
  const lines: HistoryLine[] = [];
  for (const entry of entries) {
    const last = lines[lines.length - 1];
    const previous = last?.entries[last.entries.length - 1];
    if (last && previous && GROUPED.has(entry.action) && previous.action === entry.action && sameActor(previous, entry)) {
      last.entries.push(entry);
    } else {
      lines.push({ entries: [entry] });
    }
  }
  return lines;
}

function sameActor(a: HistoryItem, b: HistoryItem): boolean {
  if (a.actor_id || b.actor_id) return a.actor_id === b.actor_id;
  return a.actor_role === b.actor_role;
}

/** "14:02–16:54 03/12/2026" within a day, "23:50 02/12/2026 – 00:10 03/12/2026" across days. */
export function timeRange(from: string, to: string): string {
  const a = new Date(from);
  const b = new Date(to);
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime())) return `${formatTime(from)} – ${formatTime(to)}`;
  // Within one minute (edits sent in one push): one time, not "22:32–22:32".
  if (clock(a) === clock(b) && a.toDateString() === b.toDateString()) return formatTime(to);
  if (a.toDateString() === b.toDateString()) return `${clock(a)}–${clock(b)} ${formatDate(to)}`;
  return `${formatTime(from)} – ${formatTime(to)}`;
}

function clock(d: Date): string {
  return new Intl.DateTimeFormat(lang.value === 'vi' ? 'vi-VN' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(d);
}

/** The fields a run of edits changed, each once, in the order first changed. */
export function changedFields(entries: readonly HistoryItem[]): string[] {
  const paths: string[] = [];
  for (const e of entries) {
    for (const p of String(e.detail.fields ?? '').split(',')) {
      if (p && !paths.includes(p)) paths.push(p);
    }
  }
  return paths;
}

const TITLES: Record<string, readonly [string, string]> = {
  create_draft: ['Tạo hồ sơ', 'Created the dossier'],
  edit_draft: ['Sửa hồ sơ', 'Edited the dossier'],
  delete_draft: ['Xóa bản nháp', 'Deleted the draft'],
  submit: ['Nộp hồ sơ', 'Submitted the dossier'],
  withdraw: ['Yêu cầu rút hồ sơ', 'Asked to withdraw the dossier'],
  answer_supplement: ['Bổ sung giấy tờ', 'Supplied the documents'],
  resolve_conflict: ['Chọn giá trị cho mục bị sửa trên hai máy', 'Settled a field changed on two devices'],
  put_back: ['Gửi lại hồ sơ sau khi máy chủ khôi phục dữ liệu', 'Put the dossier back after the server was restored'],
  rate: ['Đánh giá', 'Rated'],
  receive: ['Tiếp nhận hồ sơ', 'Received the dossier'],
  refuse: ['Từ chối tiếp nhận', 'Refused the dossier'],
  start: ['Bắt đầu xử lý', 'Started processing'],
  request_documents: ['Yêu cầu bổ sung giấy tờ', 'Asked for more documents'],
  request_fee: ['Yêu cầu nộp lệ phí', 'Asked for the fee'],
  record_payment: ['Ghi nhận đã nộp lệ phí', 'Recorded the payment'],
  stop: ['Dừng xử lý', 'Stopped processing'],
  complete: ['Xử lý xong', 'Finished processing'],
  return_result: ['Trả kết quả', 'Returned the result'],
  accept_withdrawal: ['Chấp nhận rút hồ sơ', 'Accepted the withdrawal'],
  message: ['Nhắn cho người nộp', 'Messaged the applicant'],
  mark_duplicate: ['Đánh dấu là hồ sơ trùng', 'Marked as a duplicate'],
  mark_not_duplicate: ['Xác nhận không trùng', 'Confirmed not a duplicate'],
  extend_for_verification: ['Gia hạn để xác minh', 'Extended to verify'],
  apologise: ['Xin lỗi và hẹn lại ngày trả', 'Apologised and set a new date'],
  task_handed_over: ['Chuyển giao việc liên thông', 'Handed over a linked task'],
  task_done: ['Việc liên thông đã xong', 'A linked task is done'],
};

const w = (words: readonly [string, string]) => t(words[0], words[1]);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const quoted = (s: string) => `«${s}»`;
const money = (v: unknown) => `${Number(v).toLocaleString('vi-VN')} ${t('đồng', 'đồng')}`;

/** What the entry did, as the line's head: "Đính kèm tệp «a.jpg» vào mục «Giấy chứng sinh»". */
export function entryTitle(entry: HistoryItem, names: HistoryNames): string {
  const d = entry.detail;
  switch (entry.action) {
    case 'attach':
    case 'detach': {
      const name = names.file(str(d.sha256));
      const field = quoted(names.field(str(d.path)));
      if (entry.action === 'attach') {
        return name ? t(`Đính kèm tệp ${quoted(name)} vào mục ${field}`, `Attached ${quoted(name)} to ${field}`) : t(`Đính kèm một tệp vào mục ${field}`, `Attached a file to ${field}`);
      }
      return name ? t(`Bỏ tệp ${quoted(name)} khỏi mục ${field}`, `Removed ${quoted(name)} from ${field}`) : t(`Bỏ một tệp khỏi mục ${field}`, `Removed a file from ${field}`);
    }
    case 'rate':
      return t(`Đánh giá ${str(d.stars)} sao`, `Rated ${str(d.stars)} stars`);
    case 'task_handed_over':
      return t(`Chuyển giao việc liên thông ${quoted(names.task(str(d.task)))}`, `Handed over the linked task ${quoted(names.task(str(d.task)))}`);
    case 'task_done':
      return t(`Việc liên thông ${quoted(names.task(str(d.task)))} đã xong`, `The linked task ${quoted(names.task(str(d.task)))} is done`);
    case 'resolve_conflict':
      return t(`Chọn giá trị cho mục ${quoted(names.field(str(d.path)))} (bị sửa trên hai máy)`, `Settled ${quoted(names.field(str(d.path)))} (changed on two devices)`);
    default: {
      const words = TITLES[entry.action];
      return words ? w(words) : entry.action;
    }
  }
}

/** The entry's details as sentences: "Hẹn trả: 04/12/2026." Nothing the title said already. */
export function entryDetails(entry: HistoryItem, names: HistoryNames): string[] {
  const d = entry.detail;
  const out: string[] = [];
  switch (entry.action) {
    case 'edit_draft': {
      const fields = changedFields([entry]);
      if (fields.length) out.push(`${t('Các mục đã sửa', 'Fields changed')}: ${fields.map(names.field).join('; ')}.`);
      break;
    }
    case 'submit':
      if (d.code) out.push(`${t('Mã hồ sơ', 'Dossier code')}: ${displayCode(str(d.code))}.`);
      break;
    case 'receive':
      if (d.due_date) out.push(`${t('Hẹn trả', 'Due back')}: ${formatDate(str(d.due_date))}.`);
      break;
    case 'request_documents':
      if (d.documents) out.push(`${t('Giấy tờ cần bổ sung', 'Documents needed')}: ${str(d.documents)}.`);
      break;
    case 'answer_supplement':
      // Which requested document each file answers, as the person chose on the phone.
      for (const item of Array.isArray(d.documents) ? (d.documents as { document?: unknown; files?: unknown }[]) : []) {
        const files = Array.isArray(item.files) ? item.files.map((f) => str(f)) : [];
        const named = files.map((f) => names.file(f));
        const list = named.every((n) => n) ? named.map((n) => quoted(n!)).join(', ') : t(`${files.length} tệp`, `${files.length} file(s)`);
        out.push(`${quoted(str(item.document))}: ${list}.`);
      }
      break;
    case 'request_fee':
      if (d.amount !== undefined) {
        const how = d.method === 'online' ? t('nộp trực tuyến', 'paid online') : t('nộp tại bộ phận một cửa', 'paid at the desk');
        out.push(`${t('Lệ phí', 'Fee')}: ${money(d.amount)}, ${how}.`);
      }
      break;
    case 'record_payment': {
      const where = d.provider && d.provider !== 'desk' ? ` (${str(d.provider)})` : '';
      if (d.reference) out.push(`${t('Số biên lai hoặc mã giao dịch', 'Receipt or transaction reference')}: ${str(d.reference)}${where}.`);
      if (d.amount !== undefined) out.push(`${t('Số tiền', 'Amount')}: ${money(d.amount)}.`);
      break;
    }
    case 'complete':
      if (d.register_number) out.push(`${t('Số đăng ký', 'Register number')}: ${str(d.register_number)}.`);
      break;
    case 'return_result':
      if (d.method === 'post') out.push(`${t('Gửi qua bưu chính, số vận đơn', 'Sent by post, tracking number')} ${str(d.tracking_number)}.`);
      else if (d.method === 'desk') out.push(t('Trả tại bộ phận một cửa.', 'Handed over at the desk.'));
      break;
    case 'mark_duplicate':
      out.push(t('Trùng với một hồ sơ đã nộp trước đó.', 'The same as a dossier submitted earlier.'));
      break;
    case 'extend_for_verification':
      if (d.new_due_date) {
        const days = d.extended_days ? t(` (thêm ${str(d.extended_days)} ngày làm việc)`, ` (${str(d.extended_days)} more working days)`) : '';
        out.push(`${t('Hạn giải quyết mới', 'New due date')}: ${formatDate(str(d.new_due_date))}${days}.`);
      }
      break;
    case 'apologise':
      if (d.new_date) out.push(`${t('Hẹn trả mới', 'New date')}: ${formatDate(str(d.new_date))}${d.original_date ? t(` (hẹn cũ: ${formatDate(str(d.original_date))})`, ` (was ${formatDate(str(d.original_date))})`) : ''}.`);
      break;
  }
  return out;
}

/** The head of a line: one entry's title, or "Sửa hồ sơ 25 lần, 14:02–16:54 03/12/2026". */
export function lineTitle(line: HistoryLine, names: HistoryNames): string {
  const first = line.entries[0]!;
  if (line.entries.length === 1) return entryTitle(first, names);
  const last = line.entries[line.entries.length - 1]!;
  const n = line.entries.length;
  return t(`Sửa hồ sơ ${n} lần, ${timeRange(first.at, last.at)}`, `Edited the dossier ${n} times, ${timeRange(first.at, last.at)}`);
}

/** A line's details: for a run of edits, every field changed, each once. */
export function lineDetails(line: HistoryLine, names: HistoryNames): string[] {
  if (line.entries.length === 1) return entryDetails(line.entries[0]!, names);
  const fields = changedFields(line.entries);
  return fields.length ? [`${t('Các mục đã sửa', 'Fields changed')}: ${fields.map(names.field).join('; ')}.`] : [];
}

/** Who acted, by the role's name: "Công dân", "Cán bộ một cửa". */
export function actorName(entry: HistoryItem): string {
  return roleName(entry.actor_role);
}

/** The form's field at a path ("child.birth_date") and its section; null when the form has none. */
export function formField(schema: Schema | undefined, path: string): { section: Section; field: Field } | null {
  const dot = path.indexOf('.');
  const section = schema?.sections?.find((s) => s.id === path.slice(0, dot));
  const field = section?.fields.find((f) => f.id === path.slice(dot + 1));
  return section && field ? { section, field } : null;
}

/**
 * A field's label from the procedure's form: "Giấy chứng sinh"; with its section
 * where another section has the same label ("Ngày, tháng, năm sinh (Người được
 * khai sinh)", not the mother's).
 */
export function fieldLabel(schema: Schema | undefined, path: string): string {
  const found = formField(schema, path);
  if (!schema || !found) return path;
  const { section, field } = found;
  const shared = schema.sections.filter((s) => s.fields.some((f) => f.label.vi === field.label.vi)).length > 1;
  return shared ? `${tx(field.label)} (${tx(section.title)})` : tx(field.label);
}
