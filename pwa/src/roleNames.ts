// What each role (server/identity/roles.py) is called on screen: the words a person
// uses for the job, never the code the server stores (sync/roles.json, which the
// server's pages read too). Shared by the citizen and desk screens.

import { t } from './i18n';
import { names } from '../../sync/roles.json';

const ROLE_NAMES: Record<string, { vi: string; en: string }> = names;

/** The roles that have a name here (a test checks they are all of the server's). */
export const NAMED_ROLES: readonly string[] = Object.keys(ROLE_NAMES);

/** "Công dân", "Cán bộ một cửa", …; a role this app does not know yet is a plain "user". */
export function roleName(role: string | null | undefined): string {
  const name = role ? ROLE_NAMES[role] : undefined;
  return name ? t(name.vi, name.en) : t('Người dùng', 'User');
}
