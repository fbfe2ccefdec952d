import { describe, expect, it } from 'vitest';
import { setLang } from './i18n';
import { draftNotSavedText, fileNotSavedText, isStorageFull } from './storageFull';

describe('a full device', () => {
  it('is told by QuotaExceededError, whichever way the browser names it', () => {
    expect(isStorageFull(new DOMException('Quota exceeded', 'QuotaExceededError'))).toBe(true);
    expect(isStorageFull(new DOMException('', 'NS_ERROR_DOM_QUOTA_REACHED'))).toBe(true);
    // What idb rejects with when a transaction aborts for another reason.
    expect(isStorageFull(new DOMException('AbortError', 'AbortError'))).toBe(false);
    expect(isStorageFull(new DOMException('', 'UnknownError'))).toBe(false);
    expect(isStorageFull(new Error('no dossier x'))).toBe(false);
    expect(isStorageFull(null)).toBe(false);
    expect(isStorageFull('QuotaExceededError')).toBe(false);
  });

  it('says what was not saved and what to do, in Vietnamese', () => {
    setLang('vi');
    const quota = new DOMException('', 'QuotaExceededError');
    expect(draftNotSavedText(quota)).toMatch(/^Máy đã hết chỗ lưu trữ: chưa lưu được nội dung vừa nhập\. Nội dung vẫn còn trên màn hình/);
    expect(draftNotSavedText(quota)).toContain('giải phóng bộ nhớ');
    expect(draftNotSavedText(quota, ['Quê quán', 'Dân tộc'])).toMatch(/^Máy đã hết chỗ lưu trữ: chưa lưu được nội dung vừa nhập \(Quê quán, Dân tộc\)\./);
    expect(draftNotSavedText(new Error('x'))).not.toContain('hết chỗ');
    expect(fileNotSavedText('giay-chung-sinh.jpg')).toMatch(/^Máy đã hết chỗ lưu trữ: chưa lưu được tệp “giay-chung-sinh\.jpg” nên tệp chưa được đính kèm vào hồ sơ\./);
  });
});
