// A full device: the browser refuses an IndexedDB write with a QuotaExceededError (a
// DOMException; the transaction aborts with it, so nothing of it is stored). The
// person is told what was not saved and what to do, in words, not in error names.

import { t } from './i18n';

/** Whether an error from IndexedDB means the origin's storage quota is used up. */
export function isStorageFull(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  // code 22 is QUOTA_EXCEEDED_ERR; older Firefox named it NS_ERROR_DOM_QUOTA_REACHED.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || (error instanceof DOMException && code === 22);
}

/** What helps: room on the phone, and files the server has already can leave it. */
function whatToDo(): string {
  return t(
    'Hãy giải phóng bộ nhớ của máy (xóa ảnh, video hoặc ứng dụng không dùng), hoặc đồng bộ rồi xóa khỏi máy các tệp đã gửi (trang Đồng bộ).',
    'Free some space on the phone (delete photos, videos or unused apps), or sync and then remove the files already sent from this device (Sync page).',
  );
}

/** Typed answers that could not be written (`fields`: their labels): they stay on screen and are saved again. */
export function draftNotSavedText(error: unknown, fields: readonly string[] = []): string {
  const which = fields.length ? ` (${fields.join(', ')})` : '';
  if (!isStorageFull(error)) {
    return t(
      `Chưa lưu được nội dung vừa nhập${which}. Nội dung vẫn còn trên màn hình và sẽ được lưu lại sau ít giây.`,
      `What you just typed${which} could not be saved yet. It stays on screen and will be saved again in a few seconds.`,
    );
  }
  return `${t(
    `Máy đã hết chỗ lưu trữ: chưa lưu được nội dung vừa nhập${which}. Nội dung vẫn còn trên màn hình và sẽ tự lưu khi máy có chỗ – đừng đóng trang này.`,
    `The phone’s storage is full: what you just typed${which} is not saved yet. It stays on screen and is saved as soon as there is room – do not close this page.`,
  )} ${whatToDo()}`;
}

/** A chosen file that could not be stored: nothing of it is kept, it is not attached. */
export function fileNotSavedText(fileName: string): string {
  return `${t(
    `Máy đã hết chỗ lưu trữ: chưa lưu được tệp “${fileName}” nên tệp chưa được đính kèm vào hồ sơ.`,
    `The phone’s storage is full: “${fileName}” was not saved, so it is not attached to the dossier.`,
  )} ${whatToDo()} ${t('Sau đó chọn lại tệp.', 'Then choose the file again.')}`;
}
