import { describe, expect, it } from 'vitest';
import { causeText, detailLines, momentText, noteText, onServer, stateWords, windowText, type PutBackData } from './recovery';

const entry = (over: Partial<PutBackData>): PutBackData => ({
  note: 'desk_work_lost',
  phone_state: 4,
  phone_state_label: { vi: 'Đang xử lý', en: 'Processing' },
  server_state: 1,
  server_state_label: { vi: 'Mới đăng ký', en: 'Submitted' },
  detail: {},
  ...over,
});

describe('after a restore, in words', () => {
  it('shows moments on the commune clock (UTC+7)', () => {
    expect(momentText('2026-11-19T17:00:00Z')).toBe('20/11/2026 00:00');
    expect(momentText('2026-11-20T01:05:00+00:00')).toBe('20/11/2026 08:05');
    expect(momentText('not a date')).toBe('not a date');
  });

  it('names the window that may have been lost', () => {
    const w = { generation: 2, cause: 'restore', started_at: '2026-11-20T01:00:00Z', backup_taken_at: '2026-11-19T17:00:00Z' };
    expect(windowText(w, 'vi')).toBe('Dữ liệu từ 20/11/2026 00:00 đến 20/11/2026 08:00 có thể đã mất.');
    expect(windowText(w, 'en')).toBe('Data from 20/11/2026 00:00 to 20/11/2026 08:00 may have been lost.');
    expect(windowText({ ...w, backup_taken_at: null }, 'vi')).toBe('Không rõ từ lúc nào: dữ liệu trước 20/11/2026 08:00 có thể đã mất.');
  });

  it('says how the restore came about', () => {
    expect(causeText('restore', 'vi')).toBe('Khôi phục từ bản sao lưu');
    expect(causeText('detected', 'en')).toBe('A device showed that the server had lost data');
    expect(causeText('declared', 'en')).toMatch(/declared/);
    expect(causeText('something_new', 'vi')).toBe('something_new');
  });

  it('explains lost desk work with the state names, never the numbers', () => {
    const vi = noteText(entry({}), 'vi');
    expect(vi).toBe('Điện thoại đã thấy hồ sơ ở trạng thái “Đang xử lý”; máy chủ chỉ còn “Mới đăng ký”. Việc của cán bộ sau bản sao lưu cần làm lại.');
    expect(noteText(entry({}), 'en')).toContain('“Processing”');
    // Without the server's label the app's own list names the state.
    expect(noteText(entry({ phone_state_label: null, phone_state: 9 }), 'vi')).toContain('“Đã xử lý xong”');
    expect(noteText(entry({ server_state: null, server_state_label: null }), 'vi')).toContain('“—”');
  });

  it('has a sentence for every note the server writes, and shows an unknown one as it is', () => {
    const notes = ['desk_work_lost', 'answers_held', 'withdrawal_reapplied', 'code_taken', 'seal_invalid', 'draft_changed_after_restore'];
    for (const note of notes) {
      for (const lang of ['vi', 'en'] as const) {
        const text = noteText(entry({ note }), lang);
        expect(text).not.toContain(note);
        expect(text.length).toBeGreaterThan(40);
      }
    }
    expect(noteText(entry({ note: 'brand_new' }), 'vi')).toBe('Ghi chú của máy chủ: brand_new');
  });

  it('spells out the detail, nested answers included', () => {
    expect(detailLines({ answers: { 'child.full_name': 'Nguyễn Văn A', 'child.birth_date': '2026-11-01' }, count: 2, list: [1, 2] })).toEqual([
      'answers › child.full_name: Nguyễn Văn A',
      'answers › child.birth_date: 2026-11-01',
      'count: 2',
      'list: [1,2]',
    ]);
    expect(detailLines({})).toEqual([]);
  });

  it('links only to dossiers the server holds', () => {
    expect(onServer(entry({}))).toBe(true);
    expect(onServer(entry({ server_state: null }))).toBe(false);
    expect(stateWords(null, null, 'en')).toBe('—');
  });
});
