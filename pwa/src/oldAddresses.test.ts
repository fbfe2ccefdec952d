import { describe, expect, it } from 'vitest';
import { ADDRESS_FIELDS, beforeLabel, communeChoices, matchOldAddress, newAddresses, type OldMatch } from './oldAddresses';
import { indexCommunes } from './reference';

const PAYLOAD = {
  version: 'v1',
  kinds: { x: 'xã', p: 'phường', dk: 'đặc khu' },
  provinces: [
    { code: '01', name: 'Thành phố Hà Nội', kind: 'thành phố trung ương', communes: [['00004', 'Ba Đình', 'p'], ['00008', 'Ngọc Hà', 'p'], ['00025', 'Giảng Võ', 'p'], ['00097', 'Hồng Hà', 'p']] },
    { code: '08', name: 'Tỉnh Tuyên Quang', kind: 'tỉnh', communes: [['01075', 'Nậm Dịch', 'x']] },
  ],
} as never;
const index = indexCommunes(PAYLOAD);

// As the server answers (tests/unit/test_old_units.py reads the same addresses).
const PHUC_XA: OldMatch = { level: 'ward', old: 'Phường Phúc Xá, Quận Ba Đình, Hà Nội', province: '01', communes: ['00097'], start: 16 };
const KIM_MA: OldMatch = { level: 'ward', old: 'Phường Kim Mã, Quận Ba Đình, Hà Nội', province: '01', communes: ['00004', '00008', '00025'], start: 0 };

describe('old addresses', () => {
  it('labels an old unit so the person knows it', () => {
    expect(beforeLabel(PHUC_XA)).toBe('trước 1/7/2025: Phường Phúc Xá, Quận Ba Đình, Hà Nội');
  });

  it('offers the commune an old ward became, keeping the street before it', () => {
    const text = 'Số 12 Hàng Bún, Phường Phúc Xá, Quận Ba Đình, Hà Nội';
    expect(newAddresses(index, text, [PHUC_XA])).toEqual([
      { text: 'Số 12 Hàng Bún, Phường Hồng Hà, Thành phố Hà Nội', units: 'Phường Hồng Hà, Thành phố Hà Nội', before: beforeLabel(PHUC_XA) },
    ]);
  });

  it('offers every commune of a split ward, for the person to choose', () => {
    const offered = newAddresses(index, 'P. Kim Mã, Q. Ba Đình', [KIM_MA]).map((a) => a.text);
    expect(offered).toEqual(['Phường Ba Đình, Thành phố Hà Nội', 'Phường Ngọc Hà, Thành phố Hà Nội', 'Phường Giảng Võ, Thành phố Hà Nội']);
    expect(communeChoices(index, [KIM_MA]).map((c) => c.commune.code)).toEqual(['00004', '00008', '00025']);
    expect(communeChoices(index, [KIM_MA], '08')).toEqual([]);
  });

  it('names a merged province by its new name, and says nothing when the name is the same', () => {
    const haGiang: OldMatch = { level: 'province', old: 'Hà Giang', province: '08', communes: [], start: 7 };
    expect(newAddresses(index, 'Thôn 3, Hà Giang', [haGiang]).map((a) => a.text)).toEqual(['Thôn 3, Tỉnh Tuyên Quang']);
    const haNoi: OldMatch = { level: 'province', old: 'Hà Nội', province: '01', communes: [], start: 0 };
    expect(newAddresses(index, 'Hà Nội', [haNoi])).toEqual([]);
  });

  it('offers nothing an address already says', () => {
    const already: OldMatch = { ...PHUC_XA, start: 0 };
    expect(newAddresses(index, 'Phường Hồng Hà, Thành phố Hà Nội', [already])).toEqual([]);
  });

  it('keeps the street whole when it holds characters outside the BMP', () => {
    // The server counts `start` in code points (Python's str): here 19, where UTF-16
    // puts the ward at 22. Cutting at 19 UTF-16 units would drop "12" and half an emoji.
    const text = 'Nhà trọ 🏠🏠🏠 số 12, Phường Phúc Xá, Quận Ba Đình, Hà Nội';
    const offered = newAddresses(index, text, [{ ...PHUC_XA, start: 19 }]).map((a) => a.text);
    expect(offered).toEqual(['Nhà trọ 🏠🏠🏠 số 12, Phường Hồng Hà, Thành phố Hà Nội']);
    // Cut inside an emoji, the kept text would end in half of one: a lone surrogate the
    // server's JSON decoder refuses, with every change queued after it.
    const emojiLast = 'Nhà 🏠🏠🏠, Phường Phúc Xá, Quận Ba Đình, Hà Nội';
    const kept = newAddresses(index, emojiLast, [{ ...PHUC_XA, start: 9 }]).map((a) => a.text);
    expect(kept).toEqual(['Nhà 🏠🏠🏠, Phường Hồng Hà, Thành phố Hà Nội']);
  });

  it('asks about a long address cut at 300 characters, never inside an emoji', async () => {
    // 299 UTF-16 units, then an emoji: cut at 300 units, half of it would be sent, and
    // encodeURIComponent throws on half a surrogate pair (the address is never read).
    const text = `${'a'.repeat(299)}🏠, Phường Phúc Xá, Quận Ba Đình`;
    const asked: string[] = [];
    const fetch = async (request: Request) => {
      asked.push(new URL(request.url).searchParams.get('q') ?? '');
      return new Response(JSON.stringify({ matches: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    };
    expect(await matchOldAddress(text, false, fetch as typeof globalThis.fetch)).toEqual([]);
    // 300 characters as the server counts them (code points, its q's max_length).
    expect(asked).toEqual([`${'a'.repeat(299)}🏠`]);
  });

  it('reads present addresses only, not the places of past events', () => {
    expect([...ADDRESS_FIELDS].sort()).toEqual(['address', 'hometown', 'residence']);
  });
});
