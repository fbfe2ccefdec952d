import { describe, expect, it } from 'vitest';
import { syncOutcomeText } from './syncStatus';

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
