import { describe, expect, it } from 'vitest';
import { atRiskText, unsynced } from './atRisk';
import type { OutboxItem } from './db';
import { setLang } from './i18n';

const item = (seq: number, dossier_id: string, extra: Partial<OutboxItem> = {}): OutboxItem => ({
  seq,
  id: `i${seq}`,
  dossier_id,
  kind: 'edit_draft',
  payload: {},
  base_version: 0,
  client_time: '2026-12-01T00:00:00Z',
  status: 'pending',
  ...extra,
});

describe('what is at risk without persistent storage', () => {
  it('counts dossiers with unconfirmed changes once each, not rejected or discarded ones', () => {
    const items = [
      item(1, 'a', { kind: 'create_draft' }),
      item(2, 'a'),
      item(3, 'b', { sent: true }),
      item(4, 'c', { status: 'rejected' }),
      item(5, 'd', { discarded: true }),
    ];
    expect(unsynced(items, 2)).toEqual({ dossiers: 2, files: 2 });
  });

  it('says nothing while nothing is unsynced (a first visit is not warned)', () => {
    expect(atRiskText(unsynced([], 0))).toBeNull();
    expect(atRiskText(unsynced([item(1, 'a', { status: 'rejected' })], 0))).toBeNull();
  });

  it('names what is unsynced, in Vietnamese by default', () => {
    setLang('vi');
    expect(atRiskText({ dossiers: 3, files: 2 })).toBe('3 hồ sơ và 2 tệp đính kèm chưa gửi lên máy chủ – trình duyệt có thể xóa chúng khi máy đầy bộ nhớ.');
    expect(atRiskText({ dossiers: 1, files: 0 })).toBe('1 hồ sơ chưa gửi lên máy chủ – trình duyệt có thể xóa chúng khi máy đầy bộ nhớ.');
    expect(atRiskText({ dossiers: 0, files: 1 })).toBe('1 tệp đính kèm chưa gửi lên máy chủ – trình duyệt có thể xóa chúng khi máy đầy bộ nhớ.');
    setLang('en');
    expect(atRiskText({ dossiers: 1, files: 2 })).toBe('1 dossier and 2 files not yet sent to the server – the browser may delete them when the phone runs out of space.');
    setLang('vi');
  });
});
