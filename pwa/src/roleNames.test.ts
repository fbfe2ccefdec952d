import { afterEach, describe, expect, it } from 'vitest';
import { lang } from './i18n';
import { NAMED_ROLES, roleName } from './roleNames';
import rolesPy from '../../server/identity/roles.py?raw';

/** The members of `class Role(StrEnum)` in the server's roles module. */
function serverRoles(): string[] {
  const body = rolesPy.split('class Role(StrEnum):')[1]!.split(/\n\S/)[0]!;
  return [...body.matchAll(/^\s+(\w+) = "(\w+)"/gm)].map((m) => m[2]!);
}

describe('role names', () => {
  afterEach(() => {
    lang.value = 'vi';
  });

  it('names every role the server has, and no other', () => {
    const roles = serverRoles();
    expect(roles).toContain('citizen');
    expect([...NAMED_ROLES].sort()).toEqual([...roles].sort());
  });

  it('says the role in words in both languages, never its code', () => {
    lang.value = 'vi';
    expect(roleName('citizen')).toBe('Công dân');
    expect(roleName('desk')).toBe('Cán bộ một cửa');
    for (const role of NAMED_ROLES) expect(roleName(role)).not.toContain(role);
    lang.value = 'en';
    expect(roleName('citizen')).toBe('Citizen');
    for (const role of NAMED_ROLES) expect(roleName(role)).not.toBe(role);
  });

  it('calls a role it does not know a user, not by its code', () => {
    lang.value = 'vi';
    expect(roleName('auditor')).toBe('Người dùng');
    expect(roleName(undefined)).toBe('Người dùng');
  });
});
