// The accounts' roles (server/identity/roles.py) as people call them. One table for
// every screen that names a role.

import { t } from './i18n';

const ROLE_NAMES: Record<string, readonly [string, string]> = {
  citizen: ['Công dân', 'Citizen'],
  outreach: ['Cán bộ tư pháp lưu động', 'Outreach official'],
  desk: ['Cán bộ một cửa', 'Desk official'],
  agency_admin: ['Quản trị cơ quan', 'Agency administrator'],
  admin: ['Quản trị hệ thống', 'System administrator'],
};

/** The role in the reader's language; an unknown role as the server wrote it. */
export function roleName(role: string): string {
  const words = ROLE_NAMES[role];
  return words ? t(words[0], words[1]) : role;
}
