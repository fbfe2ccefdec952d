// How a dossier is named to the person: in lists by the people it is about, in
// notices by its code once it has one.

import { displayCode } from './codes';
import type { Answers } from './db';

/** A short title for a dossier in lists: the child's, deceased's or couple's name. */
export function dossierTitle(answers: Answers): string {
  const name = answers['child.full_name'] ?? answers['deceased.full_name'] ?? answers['person.full_name'] ?? answers['ward.full_name'];
  if (typeof name === 'string' && name) return name;
  const groom = answers['groom.full_name'];
  const bride = answers['bride.full_name'];
  if (groom || bride) return [groom, bride].filter(Boolean).join(' – ');
  const requester = answers['requester.full_name'];
  return typeof requester === 'string' ? requester : '';
}

/** A dossier as a notice names it: its code as printed everywhere, else its title, else the start of its id. */
export function noticeName(d: { id: string; code?: string | null; answers?: Answers }): string {
  if (d.code) return displayCode(d.code);
  const title = d.answers ? dossierTitle(d.answers) : '';
  return title ? `\u201c${title}\u201d` : shortReference(d.id);
}

/**
 * A dossier without a code, named so a person can read it out: eight characters of its
 * id in two groups, "3F9A C21E". The id's last characters, as its first ones are the
 * time it was made and are the same for dossiers started within a minute of each other.
 */
export function shortReference(id: string): string {
  const hex = id.replace(/-/g, '').toUpperCase();
  const tail = hex.slice(-8);
  return `${tail.slice(0, 4)} ${tail.slice(4)}`;
}
