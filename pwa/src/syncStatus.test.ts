import { describe, expect, it } from 'vitest';
import { setLang } from './i18n';
import { lastRecoveryText, recoveringText, syncOutcomeText } from './syncStatus';

describe('the sync bar', () => {
  it('says what was refused rather than when it last synced', () => {
    expect(syncOutcomeText(2, '2026-12-03T10:00:00Z')).toBe('Có 2 mục bị từ chối – xem chi tiết');
    expect(syncOutcomeText(1, null)).toBe('Có 1 mục bị từ chối – xem chi tiết');
  });

  it('says when it last synced when nothing is refused', () => {
    expect(syncOutcomeText(0, '2026-12-03T10:00:00Z')).toMatch(/^Đồng bộ lúc /);
    expect(syncOutcomeText(0, null)).toBe('Chưa đồng bộ lần nào');
  });
});

describe('after a restore', () => {
  it('says in plain words that the dossiers are being sent again, then how many went', () => {
    expect(recoveringText()).toBe('Máy chủ vừa được khôi phục; đang gửi lại hồ sơ của bạn…');
    expect(lastRecoveryText({})).toBeNull();
    const meta = { last_recovery: { at: '2026-12-04T21:00:00Z', put_back: 3, refused: 0, codes_refused: 0 } };
    expect(lastRecoveryText(meta)).toMatch(/^Máy chủ đã được khôi phục từ bản sao lưu\. Lúc .+, ứng dụng đã tự gửi lại 3 hồ sơ của bạn\.$/);
    const nothing = { last_recovery: { ...meta.last_recovery, put_back: 0 } };
    expect(lastRecoveryText(nothing)).toMatch(/ứng dụng đã kiểm tra: máy chủ vẫn có đủ hồ sơ của bạn\.$/);
    expect(lastRecoveryText({ last_recovery: { ...meta.last_recovery, put_back: 0, refused: 2 } })).not.toMatch(/vẫn có đủ/);
    const refused = { last_recovery: { ...meta.last_recovery, refused: 1 } };
    expect(lastRecoveryText(refused)).toMatch(/Máy chủ chưa nhận lại 1 hồ sơ – xem bên dưới; dữ liệu vẫn còn trên máy\.$/);
  });

  it('has no raw code in either language', () => {
    const meta = { last_recovery: { at: '2026-12-04T21:00:00Z', put_back: 2, refused: 1, codes_refused: 1 } };
    setLang('en');
    try {
      expect(recoveringText()).toBe('The server was just restored; sending your dossiers again…');
      expect(lastRecoveryText(meta)).toMatch(/sent 2 of your dossier\(s\) back to it by itself\. It did not take back 1 dossier\(s\)/);
    } finally {
      setLang('vi');
    }
    for (const text of [recoveringText(), lastRecoveryText(meta)!]) expect(text).not.toMatch(/recover_first|generation|seal|_/);
  });
});
