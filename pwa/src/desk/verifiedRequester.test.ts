// The desk's words for a requester's answer against what the person's e-ID verified
// (the server's VerifiedRequester), in both languages.
import { afterEach, describe, expect, it } from 'vitest';

import { lang } from '../i18n';
import { requesterFlag, unshownFlagPaths, type VerifiedRequester } from './verifiedRequester';

const verified: VerifiedRequester = {
  provider: 'vneid',
  provider_label: { vi: 'VNeID', en: 'VNeID' },
  verified_at: '2026-12-05T08:30:00Z',
  fields: {
    'requester.full_name': { status: 'verified', verified_value: 'TRẦN THỊ MAI' },
    'requester.id_number': { status: 'changed', verified_value: '001190012345' },
    'requester.residence': { status: 'missing', verified_value: 'Số 5 phố Hàng Bạc' },
    'requester.sex': { status: 'changed', verified_value: 'female' },
  },
  any_changed: true,
};

afterEach(() => {
  lang.value = 'vi';
});

describe('requesterFlag', () => {
  it('says a verified answer is verified, naming the provider', () => {
    expect(requesterFlag(verified, 'requester.full_name')).toEqual({ status: 'verified', text: 'Đã xác thực qua VNeID' });
    lang.value = 'en';
    expect(requesterFlag(verified, 'requester.full_name')?.text).toBe('Verified by VNeID');
  });

  it('flags a changed answer with the verified value, written as the desk writes answers', () => {
    expect(requesterFlag(verified, 'requester.id_number')).toEqual({
      status: 'changed',
      text: 'Khác thông tin đã xác thực qua VNeID: 001190012345',
    });
    const sex = (v: string) => (v === 'female' ? 'Nữ' : v);
    expect(requesterFlag(verified, 'requester.sex', sex)?.text).toBe('Khác thông tin đã xác thực qua VNeID: Nữ');
    lang.value = 'en';
    expect(requesterFlag(verified, 'requester.id_number')?.text).toBe('Differs from what VNeID verified: 001190012345');
  });

  it('says an empty answer is missing, not verified', () => {
    expect(requesterFlag(verified, 'requester.residence')).toEqual({
      status: 'missing',
      text: 'Chưa khai; VNeID đã xác thực: Số 5 phố Hàng Bạc',
    });
  });

  it('says nothing of fields the e-ID did not speak of, or without a verified identity', () => {
    expect(requesterFlag(verified, 'requester.relationship')).toBeNull();
    expect(requesterFlag(null, 'requester.full_name')).toBeNull();
    expect(requesterFlag(undefined, 'requester.full_name')).toBeNull();
  });

  it("names a provider by its label in the desk's language, else by its name", () => {
    const other = { ...verified, provider: 'other-eid', provider_label: { vi: '', en: '' } };
    expect(requesterFlag(other, 'requester.full_name')?.text).toBe('Đã xác thực qua other-eid');
  });
});

describe('unshownFlagPaths', () => {
  it('lists the flagged fields the answers do not show', () => {
    expect(unshownFlagPaths(verified, ['requester.full_name', 'requester.residence'])).toEqual(['requester.id_number', 'requester.sex']);
    expect(unshownFlagPaths(null, [])).toEqual([]);
  });
});
