import { describe, expect, it } from 'vitest';
import { ALPHABET, checkCharacter, displayCode, makeCode, normalizeCode, parseCode } from './codes';
// Made by sync/codes.py, the authority (tests/vectors/make_code_vectors.py); pytest runs
// them too. The file's `issued` vectors are the server's alone: the phone holds no key.
import vectors from '../../tests/vectors/codes.json';

type Layout = { commune: string; year: number; sequence: number; code: string };
type Parse = { input: string; code?: string; problem?: 'format' | 'check' };

describe('dossier codes', () => {
  it('uses the alphabet of the shared vectors', () => {
    expect(ALPHABET).toBe(vectors.alphabet);
  });

  it.each(vectors.layout as Layout[])('lays out $commune/$year/$sequence as Python does', (v) => {
    expect(makeCode(v.commune, v.year, v.sequence)).toBe(v.code);
    expect(parseCode(v.code)).toEqual({ ok: true, code: v.code });
  });

  it.each(vectors.parse as Parse[])('parses "$input" as Python does', (v) => {
    const parsed = parseCode(v.input);
    if (v.code !== undefined) expect(parsed).toEqual({ ok: true, code: v.code });
    else expect(parsed).toMatchObject({ ok: false, problem: v.problem });
  });

  it('checks every code the server issued in the vectors', () => {
    for (const v of vectors.issued) expect(parseCode(v.code)).toEqual({ ok: true, code: v.code });
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
