import { describe, expect, it } from 'vitest';

import { codePointLength, collapseWhiteSpace, searchKey, trimWhiteSpace } from './text';

describe('searchKey', () => {
  it('folds accents, đ and case, and collapses white space', () => {
    expect(searchKey('  Đà   Nẵng ')).toBe('da nang');
    expect(searchKey('Thành phố Hồ Chí Minh')).toBe('thanh pho ho chi minh');
    expect(searchKey('ĐỒNG THÁP')).toBe(searchKey('đồng tháp'));
    expect(searchKey('Phường\u00a0Bến\tNghé')).toBe('phuong ben nghe');
  });

  it('makes old and new tone placement equal', () => {
    expect(new Set(['Hoà', 'Hòa', 'Ho\u0300a', 'hoa\u0300'].map(searchKey))).toEqual(new Set(['hoa']));
    expect(searchKey('Thuý')).toBe(searchKey('Thúy'));
    expect(searchKey('  Nguye\u0302\u0303n   Va\u0306n  ĐỨC ')).toBe('nguyen van duc');
  });

  it('is idempotent, even where lower-casing adds a mark', () => {
    expect(searchKey('İstanbul')).toBe('istanbul');
    for (const t of ['İ', 'Ǆ', 'ΣΑΣ', ' a\u00a0b ', 'Đặng Thị Ngọc Thịnh']) expect(searchKey(searchKey(t)), t).toBe(searchKey(t));
  });

  it('gives the same key for NFC and NFD input', () => {
    const nfc = 'Quảng Ngãi';
    expect(searchKey(nfc.normalize('NFD'))).toBe(searchKey(nfc));
  });
});

describe('white space and length', () => {
  it('trims and collapses the JavaScript white-space set', () => {
    expect(trimWhiteSpace('\ufeff\u3000 a b \u2028')).toBe('a b');
    expect(trimWhiteSpace('\u0085a\u001f')).toBe('\u0085a\u001f');
    expect(collapseWhiteSpace(' a \t\n b ')).toBe('a b');
  });

  it('counts code points', () => {
    expect(codePointLength('𠀀a')).toBe(2);
    expect('𠀀a'.length).toBe(3);
  });
});
