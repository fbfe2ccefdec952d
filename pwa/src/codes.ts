// Dossier codes (the twin of sync/codes.py): 16 characters a person can read aloud.
//
//     CCCCC YY SSSSSSSS K
//     commune (5 digits) · year (2 digits) · sequence (8, Crockford base32) · check (1)
//
// The server alone chooses the sequence part, a keyed permutation of its counter so that
// codes cannot be counted (sync/code_permutation.py); the phone holds no key and never
// derives a code: it stores the ones the server reserved for it, checks and shows codes.
// The check character is Luhn mod 32 over the Crockford alphabet, so a mistyped
// character is caught on the device before anything is asked of the server. Input is
// forgiven: case, spaces, dashes, dots, and the O/0, I/L/1 and U/V look-alikes.

export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = ALPHABET.length;
export const CODE_LENGTH = 16;
const SHAPE = /^[0-9]{7}[0-9A-HJKMNP-TV-Z]{9}$/;
const CONFUSABLE: Record<string, string> = { O: '0', I: '1', L: '1', U: 'V' };

export type CodeProblem = 'format' | 'check';

function valueOf(char: string): number {
  const v = ALPHABET.indexOf(char);
  if (v < 0) throw new Error(`not a Crockford character: ${char}`);
  return v;
}

/** Luhn mod N: from the right, every second value is doubled and folded. */
export function checkCharacter(body: string): string {
  let factor = 2;
  let total = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    const addend = factor * valueOf(body[i] as string);
    factor = factor === 2 ? 1 : 2;
    total += Math.floor(addend / N) + (addend % N);
  }
  return ALPHABET[(N - (total % N)) % N] as string;
}

/** Upper-case, drop spaces, dashes, underscores and dots, undo the look-alike letters. */
export function normalizeCode(text: string): string {
  return text
    .replace(/[\s\-_.]/g, '')
    .toUpperCase()
    .replace(/[OILU]/g, (c) => CONFUSABLE[c] as string);
}

export type ParsedCode = { ok: true; code: string } | { ok: false; problem: CodeProblem; normalized: string };

/** The canonical code, or why it cannot be one (before anything is looked up). */
export function parseCode(text: string): ParsedCode {
  const code = normalizeCode(text);
  if (code.length !== CODE_LENGTH || !SHAPE.test(code)) return { ok: false, problem: 'format', normalized: code };
  if (checkCharacter(code.slice(0, -1)) !== code.slice(-1)) return { ok: false, problem: 'check', normalized: code };
  return { ok: true, code };
}

export function encodeSequence(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > N ** 8 - 1) throw new Error(`sequence ${n} out of range`);
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = ALPHABET[n % N] + out;
    n = Math.floor(n / N);
  }
  return out;
}

/** The code whose sequence part has this value: the layout only (tests and vectors). */
export function makeCode(communeCode: string, year: number, sequence: number): string {
  if (!/^[0-9]{5}$/.test(communeCode)) throw new Error(`commune code ${communeCode} is not five digits`);
  const body = `${communeCode}${String(year % 100).padStart(2, '0')}${encodeSequence(sequence)}`;
  return body + checkCharacter(body);
}

/** Groups of four, as printed on receipts: 0007 0260 0000 01KX. */
export function displayCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1 ');
}
