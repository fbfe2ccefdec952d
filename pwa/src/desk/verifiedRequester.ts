// What the desk says beside a requester's answer that the person's e-ID verified.
// The server computes the status from the account's verified identity (the phone
// cannot vouch for itself); this only puts it in words — words, not colour alone.

import type { components } from '../api/schema';
import { t, tx } from '../i18n';

type S = components['schemas'];
export type VerifiedRequester = S['VerifiedRequester'];
export type VerifiedField = S['VerifiedField'];

export interface RequesterFlag {
  status: VerifiedField['status'];
  /** The sentence shown beside the answer. */
  text: string;
}

/**
 * The flag for one requester field (`requester.full_name`, …), or null when the e-ID
 * says nothing of it. `shown` writes the verified value as the desk shows answers
 * (a date as 01/05/1990, a sex as Nữ).
 */
export function requesterFlag(verified: VerifiedRequester | null | undefined, path: string, shown: (value: string) => string = (v) => v): RequesterFlag | null {
  const field = verified?.fields[path];
  if (!verified || !field) return null;
  const provider = tx(verified.provider_label) || verified.provider;
  const value = shown(field.verified_value);
  if (field.status === 'verified') return { status: 'verified', text: t(`Đã xác thực qua ${provider}`, `Verified by ${provider}`) };
  if (field.status === 'changed') {
    return { status: 'changed', text: t(`Khác thông tin đã xác thực qua ${provider}: ${value}`, `Differs from what ${provider} verified: ${value}`) };
  }
  return { status: 'missing', text: t(`Chưa khai; ${provider} đã xác thực: ${value}`, `Not given; ${provider} verified: ${value}`) };
}

/** Requester fields the e-ID spoke of that the answers do not show (left empty, or
 *  hidden behind a passport): the desk still sees their flag. */
export function unshownFlagPaths(verified: VerifiedRequester | null | undefined, shownPaths: Iterable<string>): string[] {
  if (!verified) return [];
  const shown = new Set(shownPaths);
  return Object.keys(verified.fields).filter((p) => !shown.has(p));
}
