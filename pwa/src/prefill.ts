// No redundant entry (WCAG 3.3.7): what the e-ID provider verified about the signed-in
// person (SessionInfo.verified) fills the requester's section of a new draft, only
// where the form has such a field and it is still empty. The values put there are kept
// with the draft (LocalDossier.verified_fields), so each field says it was verified,
// or that the person changed it, across reloads and offline.

import type { VerifiedIdentityInfo } from './api/types';
import type { Answers, JsonValue, Schema } from './forms/types';

export type VerifiedFacts = Pick<VerifiedIdentityInfo, 'id_number' | 'full_name' | 'birth_date' | 'sex' | 'residence'>;

/** The section of a form that says who makes the request (server/catalog/data/sections/requester*.json). */
export const REQUESTER_SECTION = 'requester';
/** The identity-document option meaning the national identity card (its personal ID number). */
export const CCCD = 'cccd';

export interface Prefill {
  /** Answers to add to the new draft. */
  values: Record<string, JsonValue>;
  /** The same, by path: what the provider verified, to compare the answers with later. */
  marks: Record<string, JsonValue>;
}

const isEmpty = (v: JsonValue | undefined): boolean => v === undefined || v === null || v === '';

/**
 * The requester's answers the verified facts give, for the fields this form has that
 * `answers` leave empty. A form without a requester section gets nothing, and nothing
 * the person (or an earlier step) already answered is ever overwritten.
 */
export function prefillFromVerified(schema: Schema, verified: VerifiedFacts | null | undefined, answers: Answers = {}): Prefill {
  const out: Prefill = { values: {}, marks: {} };
  if (!verified) return out;
  const section = schema.sections.find((s) => s.id === REQUESTER_SECTION);
  if (!section) return out;
  const fields = new Map(section.fields.map((f) => [f.id, f]));
  const put = (id: string, value: string, fits: boolean) => {
    const path = `${section.id}.${id}`;
    if (!value || !fits || !isEmpty(answers[path])) return;
    out.values[path] = value;
    out.marks[path] = value;
  };
  const idType = fields.get('id_type');
  const idTypeAnswer = answers[`${section.id}.id_type`];
  // An ID number belongs with the identity card; a person who chose a passport keeps it.
  const cardChosen = isEmpty(idTypeAnswer) || idTypeAnswer === CCCD;
  const name = fields.get('full_name');
  put('full_name', verified.full_name, !!name && (name.type === 'person_name' || name.type === 'text'));
  if (verified.id_number && cardChosen) {
    put('id_type', CCCD, !!idType && idType.type === 'select' && idType.options.some((o) => o.value === CCCD));
    put('id_number', verified.id_number, fields.get('id_number')?.type === 'personal_id');
  }
  put('residence', verified.residence, fields.get('residence')?.type === 'text');
  put('birth_date', verified.birth_date, fields.get('birth_date')?.type === 'date');
  put('sex', verified.sex, fields.get('sex')?.type === 'sex' && (verified.sex === 'male' || verified.sex === 'female'));
  return out;
}

export type VerifiedMark = 'verified' | 'changed';

/** Whether the answer at `path` is still what the provider verified, or the person changed it. */
export function verifiedMark(marks: Record<string, JsonValue> | undefined, path: string, answer: JsonValue | undefined): VerifiedMark | null {
  if (!marks || !(path in marks)) return null;
  return JSON.stringify(marks[path]) === JSON.stringify(answer ?? null) ? 'verified' : 'changed';
}
