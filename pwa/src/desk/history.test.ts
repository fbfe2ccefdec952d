import { afterEach, describe, expect, it } from 'vitest';
import { lang } from '../i18n';
import { changedFields, entryDetails, entryTitle, fieldLabel, groupHistory, lineDetails, lineTitle, timeRange, type HistoryItem, type HistoryNames } from './history';
import type { Schema } from '../forms/types';

const PERSON = 'a1';
const OTHER = 'b2';

function entry(action: string, at: string, detail: Record<string, unknown> = {}, actor_id = PERSON, actor_role = 'citizen'): HistoryItem {
  return { at, action, from_state: 0, to_state: 0, actor_role, actor_id, message: '', detail };
}

const schema = {
  sections: [
    {
      id: 'child',
      title: { vi: 'Người được khai sinh', en: 'The child' },
      fields: [
        { id: 'birth_date', type: 'date', label: { vi: 'Ngày, tháng, năm sinh', en: 'Date of birth' } },
        { id: 'full_name', type: 'person_name', label: { vi: 'Họ, chữ đệm và tên', en: 'Full name' } },
      ],
    },
    { id: 'mother', title: { vi: 'Thông tin người mẹ', en: 'Mother' }, fields: [{ id: 'birth_date', type: 'date', label: { vi: 'Ngày, tháng, năm sinh', en: 'Date of birth' } }] },
    { id: 'attachments', title: { vi: 'Giấy tờ đính kèm', en: 'Documents' }, fields: [{ id: 'birth_certificate', type: 'attachment', label: { vi: 'Giấy chứng sinh', en: 'Birth certificate' } }] },
  ],
} as unknown as Schema;

const SHA = 'a'.repeat(64);
const names = (files: Record<string, string> = { [SHA]: 'giay-chung-sinh.jpg' }): HistoryNames => ({
  field: (p) => fieldLabel(schema, p),
  file: (s) => files[s] ?? null,
  task: (t) => (t === 'thuong_tru' ? 'Đăng ký thường trú' : t),
});

afterEach(() => {
  lang.value = 'vi';
});

describe('the desk history in words', () => {
  it('makes one line of a person\'s run of edits, with every field changed once', () => {
    const edits = Array.from({ length: 25 }, (_, i) =>
      entry('edit_draft', new Date(Date.UTC(2026, 11, 3, 7, 2 + i * 7)).toISOString(), { fields: i === 24 ? 'child.birth_date' : 'child.full_name' }),
    );
    const lines = groupHistory([entry('create_draft', '2026-12-03T07:00:00Z'), ...edits, entry('attach', '2026-12-03T10:00:00Z', { path: 'attachments.birth_certificate', sha256: SHA })]);
    expect(lines.map((l) => l.entries.length)).toEqual([1, 25, 1]);
    expect(lineTitle(lines[1]!, names())).toMatch(/^Sửa hồ sơ 25 lần, \d{2}:\d{2}–\d{2}:\d{2} 03\/12\/2026$/);
    expect(lineDetails(lines[1]!, names())).toEqual(['Các mục đã sửa: Họ, chữ đệm và tên; Ngày, tháng, năm sinh (Người được khai sinh).']);
    expect(changedFields(lines[1]!.entries)).toEqual(['child.full_name', 'child.birth_date']);
  });

  it('keeps apart edits by different people, and edits with something between', () => {
    const lines = groupHistory([
      entry('edit_draft', '2026-12-03T07:00:00Z'),
      entry('edit_draft', '2026-12-03T07:01:00Z', {}, OTHER),
      entry('edit_draft', '2026-12-03T07:02:00Z', {}, OTHER),
      entry('attach', '2026-12-03T07:03:00Z', { path: 'attachments.birth_certificate', sha256: SHA }, OTHER),
      entry('edit_draft', '2026-12-03T07:04:00Z', {}, OTHER),
    ]);
    expect(lines.map((l) => l.entries.length)).toEqual([1, 2, 1, 1]);
  });

  it('names files by their names, fields by their labels, dates as dd/mm/yyyy', () => {
    const attach = entry('attach', '2026-12-03T07:03:00Z', { path: 'attachments.birth_certificate', sha256: SHA });
    expect(entryTitle(attach, names())).toBe('Đính kèm tệp «giay-chung-sinh.jpg» vào mục «Giấy chứng sinh»');
    expect(entryTitle(attach, names({}))).toBe('Đính kèm một tệp vào mục «Giấy chứng sinh»');
    expect(entryDetails(entry('receive', '2026-12-03T07:03:00Z', { due_date: '2026-12-04' }), names())).toEqual(['Hẹn trả: 04/12/2026.']);
    expect(entryDetails(entry('request_fee', '2026-12-03T07:03:00Z', { amount: '8000', method: 'desk' }), names())).toEqual(['Lệ phí: 8.000 đồng, nộp tại bộ phận một cửa.']);
    expect(entryDetails(entry('return_result', '2026-12-03T07:03:00Z', { method: 'post', tracking_number: 'EB1VN' }), names())).toEqual(['Gửi qua bưu chính, số vận đơn EB1VN.']);
    expect(entryTitle(entry('task_done', '2026-12-03T07:03:00Z', { task: 'thuong_tru' }), names())).toBe('Việc liên thông «Đăng ký thường trú» đã xong');
    // A path the form does not have stays as it is rather than vanish.
    expect(fieldLabel(schema, 'child.unknown')).toBe('child.unknown');
  });

  it('says which requested document each supplied file answers', () => {
    const other = 'b'.repeat(64);
    const answer = entry('answer_supplement', '2026-12-03T09:00:00Z', {
      documents: [
        { document: 'Giấy chứng nhận kết hôn của cha mẹ', files: [SHA] },
        { document: 'Giấy xác nhận nơi cư trú của mẹ', files: [SHA, other] },
      ],
    });
    expect(entryDetails(answer, names())).toEqual([
      '«Giấy chứng nhận kết hôn của cha mẹ»: «giay-chung-sinh.jpg».',
      '«Giấy xác nhận nơi cư trú của mẹ»: 2 tệp.',
    ]);
    expect(entryDetails(entry('answer_supplement', '2026-12-03T09:00:00Z'), names())).toEqual([]);
  });

  it('speaks English on request', () => {
    lang.value = 'en';
    expect(entryDetails(entry('receive', '2026-12-03T07:03:00Z', { due_date: '2026-12-04' }), names())).toEqual(['Due back: 04/12/2026.']);
    expect(fieldLabel(schema, 'child.birth_date')).toBe('Date of birth (The child)');
  });

  it('says one time for a run within one minute', () => {
    expect(timeRange('2026-12-03T07:00:05Z', '2026-12-03T07:00:50Z')).toMatch(/^\d{2}:\d{2} 03\/12\/2026$/);
    expect(timeRange('2026-12-03T07:00:05Z', '2026-12-03T07:09:00Z')).toMatch(/^\d{2}:\d{2}–\d{2}:\d{2} 03\/12\/2026$/);
  });

  it('writes a range across two days in full', () => {
    expect(timeRange('2026-12-01T07:00:00Z', '2026-12-03T07:00:00Z')).toMatch(/^\d{2}:\d{2} 01\/12\/2026 – \d{2}:\d{2} 03\/12\/2026$/);
  });
});
