import { describe, expect, it } from 'vitest';
import { howToCollect, levelMeaning, levelName } from './serviceLevel';

describe('service levels in the person’s terms', () => {
  it('says what levels 3 and 4 mean', () => {
    expect(levelName(3)).toBe('Mức 3');
    expect(levelMeaning(3)).toContain('đến nhận kết quả tại UBND xã/phường một lần');
    expect(levelMeaning(4)).toContain('nộp lệ phí trực tuyến; kết quả được gửi qua bưu điện');
  });

  it('tells how a finished dossier’s result is collected', () => {
    const atOffice = howToCollect(3, {});
    expect(atOffice).toContain('CCCD');
    // Level 4: as chosen on the form; by post unless the person chose otherwise.
    expect(howToCollect(4, { 'delivery.method': 'buu_chinh' })).toContain('qua bưu điện');
    expect(howToCollect(4, {})).toContain('qua bưu điện');
    expect(howToCollect(4, { 'delivery.method': 'truc_tuyen' })).toContain('trực tuyến');
    expect(howToCollect(4, { 'delivery.method': 'truc_tiep' })).toBe(atOffice);
    // The catalog not on the device: the office, as at level 3.
    expect(howToCollect(undefined, {})).toBe(atOffice);
  });
});
