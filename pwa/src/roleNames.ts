// What each role (server/identity/roles.py) is called on screen: the words a person
// uses for the job, never the code the server stores. Shared by the citizen and desk screens.

import { t } from './i18n';

const ROLE_NAMES: Record<string, [vi: string, en: string]> = {
  citizen: ['Công dân', 'Citizen'],
  outreach: ['Cán bộ tư pháp lưu động', 'Mobile registration official'],
  desk: ['Cán bộ một cửa', 'One-stop desk official'],
  agency_admin: ['Quản trị viên của cơ quan', 'Agency administrator'],
  admin: ['Quản trị viên hệ thống', 'System administrator'],
};

/** The roles that have a name here (a test checks they are all of the server's). */
export const NAMED_ROLES: readonly string[] = Object.keys(ROLE_NAMES);

/** "Công dân", "Cán bộ một cửa", …; a role this app does not know yet is a plain "user". */
export function roleName(role: string | null | undefined): string {
  const pair = role ? ROLE_NAMES[role] : undefined;
  return pair ? t(pair[0], pair[1]) : t('Người dùng', 'User');
}
