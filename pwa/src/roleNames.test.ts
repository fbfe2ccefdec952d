import { afterEach, describe, expect, it } from 'vitest';
import { lang } from './i18n';
import { roleName } from './roleNames';

afterEach(() => {
  lang.value = 'vi';
});

describe('role names', () => {
  it('names each role in the reader\'s language', () => {
    expect(roleName('citizen')).toBe('Công dân');
    expect(roleName('desk')).toBe('Cán bộ một cửa');
    lang.value = 'en';
    expect(roleName('desk')).toBe('Desk official');
    expect(roleName('not_a_role')).toBe('not_a_role');
  });
});
