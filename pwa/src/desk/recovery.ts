// After a restore (sync/README.md §9): the words the agency administrator reads. The
// server lists the windows that may have been lost and the put-backs with a note;
// here each becomes a sentence, with state names instead of numbers.

import type { Lang } from '../i18n';
import { stateLabel } from '../states';

export interface Bilingual {
  vi: string;
  en: string;
}

export interface LostWindowData {
  generation: number;
  cause: string;
  started_at: string;
  backup_taken_at: string | null;
}

export interface PutBackData {
  note: string;
  phone_state: number | null;
  phone_state_label: Bilingual | null;
  server_state: number | null;
  server_state_label: Bilingual | null;
  detail: Record<string, unknown>;
}

/** Roles that see the screen (the server's guard on /api/desk/recovery admits the same). */
export const RECOVERY_ROLES: readonly string[] = ['agency_admin', 'admin'];

const pick = (lang: Lang, vi: string, en: string) => (lang === 'vi' ? vi : en);

/** A moment as the commune's clock shows it: 20/11/2026 08:00. */
export function momentText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Ho_Chi_Minh',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

/** The state's name, from the server's label or the app's own list; "—" for none. */
export function stateWords(state: number | null, label: Bilingual | null, lang: Lang): string {
  if (label) return lang === 'vi' ? label.vi : label.en || label.vi;
  if (state === null) return '—';
  return stateLabel(state, lang) || String(state);
}

/** How the server came to be restored. */
export function causeText(cause: string, lang: Lang): string {
  switch (cause) {
    case 'restore':
      return pick(lang, 'Khôi phục từ bản sao lưu', 'Restored from a backup');
    case 'declared':
      return pick(lang, 'Quản trị viên báo đã khôi phục cơ sở dữ liệu', 'An operator declared the database restored');
    case 'detected':
      return pick(lang, 'Một thiết bị cho thấy máy chủ đã mất dữ liệu', 'A device showed that the server had lost data');
    default:
      return cause;
  }
}

/** "Dữ liệu từ … đến … có thể đã mất": the window between the backup and the restore. */
export function windowText(w: LostWindowData, lang: Lang): string {
  const end = momentText(w.started_at);
  if (w.backup_taken_at) {
    const start = momentText(w.backup_taken_at);
    return pick(lang, `Dữ liệu từ ${start} đến ${end} có thể đã mất.`, `Data from ${start} to ${end} may have been lost.`);
  }
  return pick(
    lang,
    `Không rõ từ lúc nào: dữ liệu trước ${end} có thể đã mất.`,
    `It is not known since when: data from before ${end} may have been lost.`,
  );
}

/** What the note means for the officials, in one or two sentences. */
export function noteText(entry: PutBackData, lang: Lang): string {
  const phone = stateWords(entry.phone_state, entry.phone_state_label, lang);
  const server = stateWords(entry.server_state, entry.server_state_label, lang);
  switch (entry.note) {
    case 'desk_work_lost':
      return pick(
        lang,
        `Điện thoại đã thấy hồ sơ ở trạng thái “${phone}”; máy chủ chỉ còn “${server}”. Việc của cán bộ sau bản sao lưu cần làm lại.`,
        `The phone saw the dossier as “${phone}”; the server only has “${server}”. The officials' work after the backup must be redone.`,
      );
    case 'answers_held':
      return pick(
        lang,
        'Điện thoại giữ thông tin khai khác với máy chủ cho hồ sơ đã nộp. Hãy đối chiếu với người nộp (xem chi tiết bên dưới).',
        "The phone holds answers that differ from the server's for this submitted dossier. Check them with the person (details below).",
      );
    case 'withdrawal_reapplied':
      return pick(
        lang,
        'Công dân đã yêu cầu rút hồ sơ sau bản sao lưu; yêu cầu rút đã được ghi lại. Cần xử lý lại yêu cầu rút hồ sơ.',
        'The person asked to withdraw the dossier after the backup; the request has been recorded again. It needs handling again.',
      );
    case 'code_taken':
      return pick(
        lang,
        'Mã hồ sơ điện thoại giữ đã thuộc về một hồ sơ khác trên máy chủ, nên hồ sơ này chưa được khôi phục. Hãy liên hệ người nộp.',
        'The code the phone holds belongs to another dossier on the server, so this dossier was not put back. Contact the person.',
      );
    case 'seal_invalid':
      return pick(
        lang,
        'Điện thoại gửi lại một hồ sơ đã nộp nhưng chữ ký của máy chủ trên mã hồ sơ không hợp lệ, nên hồ sơ không được khôi phục. Hãy kiểm tra với người nộp.',
        "The phone sent back a submitted dossier whose code does not carry a valid server signature, so it was not put back. Check with the person.",
      );
    case 'draft_changed_after_restore':
      return pick(
        lang,
        'Bản nháp đã thay đổi trên máy chủ sau khi khôi phục, rồi điện thoại gửi lại hồ sơ đã nộp với câu trả lời của nó; những câu trả lời nhập trên máy chủ mà nó thay thế được liệt kê bên dưới. Hãy đối chiếu với người nộp.',
        "The draft changed on the server after the restore, then the phone put it back as submitted, with its own answers; the server's answers it replaced are listed below. Check them with the person.",
      );
    default:
      return pick(lang, `Ghi chú của máy chủ: ${entry.note}`, `Server note: ${entry.note}`);
  }
}

/** The detail as "what: value" lines, one per entry, nested objects spelled out. */
export function detailLines(detail: Record<string, unknown>, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(detail)) {
    const name = prefix ? `${prefix} › ${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      lines.push(...detailLines(value as Record<string, unknown>, name));
    } else {
      lines.push(`${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
  }
  return lines;
}

/** Whether the dossier is on the server, so its desk page can be opened. */
export function onServer(entry: PutBackData): boolean {
  return entry.server_state !== null;
}
