// The form schema language (sync/forms/README.md), for the app: validate answers offline
// exactly as the server's Python validator does, and show its issues.

export { validate } from './validator';
export { holds } from './conditions';
export { normalizeValue } from './normalize';
export { decodePersonalId } from './personalId';
export { ISSUE_CODES } from './codes';
export type { IssueCode } from './codes';
export { renderIssue } from './messages';
export type { Language } from './messages';
export type * from './types';
