// Names a person understands for what the app holds: procedures, places, dossiers without a code.

import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogPayload, CommunesPayload } from './api/types';
import { shortReference } from './dossierNames';
import { procedureName } from './procedureNames';
import { lang } from './i18n';
import { communeName } from './placeNames';
import { indexCommunes } from './reference';

const CATALOG = { procedures: [{ code: 'khai-sinh', name: { vi: 'Đăng ký khai sinh', en: 'Birth registration' } }] } as unknown as CatalogPayload;

const COMMUNES = {
  kinds: { p: 'Phường', x: 'Xã', tp: 'Thành phố' },
  provinces: [{ code: '01', name: 'Thành phố Hà Nội', kind: 'tp', communes: [['00070', 'Hoàn Kiếm', 'p']] }],
} as unknown as CommunesPayload;

describe('procedureName', () => {
  afterEach(() => {
    lang.value = 'vi';
  });

  it('is the catalog name in the language on screen, not the code', () => {
    expect(procedureName('khai-sinh', CATALOG)).toBe('Đăng ký khai sinh');
    lang.value = 'en';
    expect(procedureName('khai-sinh', CATALOG)).toBe('Birth registration');
  });

  it('is nothing rather than the code when the catalog does not know it', () => {
    expect(procedureName('khai-tu', CATALOG)).toBeNull();
    expect(procedureName('khai-sinh', null)).toBeNull();
  });
});

describe('communeName', () => {
  it('is the commune with its kind and province', () => {
    expect(communeName('00070', indexCommunes(COMMUNES))).toBe('Phường Hoàn Kiếm, Thành phố Hà Nội');
  });

  it('is nothing rather than the code when the list is missing or lacks it', () => {
    expect(communeName('99999', indexCommunes(COMMUNES))).toBeNull();
    expect(communeName('00070', null)).toBeNull();
    expect(communeName('', indexCommunes(COMMUNES))).toBeNull();
  });
});

describe('shortReference', () => {
  it('is eight characters in two groups from the random end of the id', () => {
    expect(shortReference('0193a1b2-c3d4-7e5f-8a6b-1c2d3e4f5a6b')).toBe('3E4F 5A6B');
  });

  it('tells apart two dossiers started in the same minute', () => {
    const a = shortReference('0193a1b2-c3d4-7000-8000-00000000aaaa');
    const b = shortReference('0193a1b2-c3d5-7000-8000-00000000bbbb');
    expect(a).not.toBe(b);
  });
});
