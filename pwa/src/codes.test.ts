import { describe, expect, it } from 'vitest';
import { checkCharacter, displayCode, makeCode, normalizeCode, parseCode } from './codes';

// Made by sync/codes.py (make_code), the authority.
const FROM_PYTHON: [string, number, number, string][] = [
  ['00070', 2026, 1, '0007026000000019'],
  ['00070', 2026, 0, '000702600000000B'],
  ['26734', 2025, 12345, '267342500000C1S5'],
  ['00004', 2099, 32 ** 8 - 1, '0000499ZZZZZZZZ5'],
  ['12345', 2026, 987654321, '123452600XDWT5HA'],
  ['99999', 2000, 31, '99999000000000ZS'],
  ['01234', 2026, 1024, '0123426000001000'],
];

describe('dossier codes', () => {
  it.each(FROM_PYTHON)('makes the code Python makes for %s/%i/%i', (commune, year, seq, code) => {
    expect(makeCode(commune, year, seq)).toBe(code);
    expect(parseCode(code)).toEqual({ ok: true, code });
  });

  it('computes the check character as Python does', () => {
    expect(checkCharacter('0007026000000')).toBe('B');
  });

  it('forgives case, spaces, dashes and look-alikes', () => {
    expect(parseCode('2673 4250 0000 c1s5')).toEqual({ ok: true, code: '267342500000C1S5' });
    expect(parseCode('0007-0260-0000-0O1I9'.replace('0O1I', '001'))).toEqual({ ok: true, code: '0007026000000019' });
    expect(normalizeCode('oo07 o26o ooo0 oo1l')).toBe('0007026000000011');
    expect(parseCode('  0007.0260.0000.0019 ')).toEqual({ ok: true, code: '0007026000000019' });
  });

  it('catches every single mistyped character', () => {
    const code = '267342500000C1S5';
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    for (let i = 0; i < code.length; i++) {
      for (const c of alphabet) {
        if (c === code[i]) continue;
        const typo = code.slice(0, i) + c + code.slice(i + 1);
        expect(parseCode(typo).ok, typo).toBe(false);
      }
    }
  });

  it('says whether the shape or the check is wrong', () => {
    expect(parseCode('12345')).toMatchObject({ ok: false, problem: 'format' });
    expect(parseCode('A007026000000019')).toMatchObject({ ok: false, problem: 'format' });
    expect(parseCode('0007026000000018')).toMatchObject({ ok: false, problem: 'check' });
  });

  it('groups by four for receipts', () => {
    expect(displayCode('0007026000000019')).toBe('0007 0260 0000 0019');
  });
});
