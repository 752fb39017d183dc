import fc from 'fast-check';
import {
  USCC_ALPHABET,
  idNumberCheckDigit,
  isValidBirthDate,
  isValidIdNumber,
  isValidUscc,
  maskIdNumber,
  maskPersonalData,
  maskPhone,
  usccCheckChar,
  usccShape,
} from '../../gateway/schemas/identifiers';

const ID_CHARS = '0123456789X';
const DIGITS = '0123456789';

const charsOf = (alphabet: string, n: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: n, maxLength: n });

/** 17-digit bodies with a plausible region (first digit 1-9), a real 1900-2100 birth date and a sequence number. */
const idBody = fc
  .tuple(
    fc.integer({ min: 100000, max: 999999 }),
    fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }),
    fc.integer({ min: 0, max: 999 }),
  )
  .map(([region, d, seq]) => `${region}${d.toISOString().slice(0, 10).replace(/-/g, '')}${String(seq).padStart(3, '0')}`);
const validId = idBody.map((b) => b + idNumberCheckDigit(b));

const usccBody = charsOf(USCC_ALPHABET, 17);
const validUsccArb = usccBody.map((b) => b + usccCheckChar(b));

function swap(s: string, i: number, j: number): string {
  const a = s.split('');
  [a[i], a[j]] = [a[j]!, a[i]!];
  return a.join('');
}

describe('居民身份证号码 (GB 11643)', () => {
  it('accepts a known real-format number and computes its check digit', () => {
    expect(idNumberCheckDigit('11010519491231002')).toBe('X');
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
  });

  it('rejects lowercase x, wrong lengths, non-digits and non-strings', () => {
    expect(isValidIdNumber('11010519491231002x')).toBe(false);
    expect(isValidIdNumber('11010519491231002')).toBe(false);
    expect(isValidIdNumber('11010519491231002X0')).toBe(false);
    expect(isValidIdNumber('1101051949123100AX')).toBe(false);
    expect(isValidIdNumber(' 11010519491231002X')).toBe(false);
    expect(isValidIdNumber(undefined as unknown as string)).toBe(false);
    expect(() => idNumberCheckDigit('1101051949123100')).toThrow(RangeError);
    expect(() => idNumberCheckDigit('1101051949123100X')).toThrow(RangeError);
  });

  it('rejects a region prefix starting with 0 even with a correct check digit', () => {
    const body = '01010519491231002';
    expect(isValidIdNumber(body + idNumberCheckDigit(body))).toBe(false);
  });

  it.each([
    ['19000101', true],
    ['21001231', true],
    ['20000229', true], // 2000 is a leap year
    ['20240229', true],
    ['19000229', false], // 1900 is not
    ['20230229', false],
    ['18991231', false],
    ['21010101', false],
    ['20240431', false],
    ['20241301', false],
    ['20240001', false],
    ['20240100', false],
  ])('birth date %s valid=%s', (date, ok) => {
    expect(isValidBirthDate(date)).toBe(ok);
    const body = `110105${date}002`;
    expect(isValidIdNumber(body + idNumberCheckDigit(body))).toBe(ok);
  });

  it('check digit agrees with the ISO 7064 MOD 11-2 form Σ a_i·2^(18-i) ≡ 1 (mod 11)', () => {
    fc.assert(
      fc.property(charsOf(DIGITS, 17), (body) => {
        const full = body + idNumberCheckDigit(body);
        let sum = 0;
        for (let i = 0; i < 18; i++) {
          const a = full[i] === 'X' ? 10 : Number(full[i]);
          sum += a * 2 ** (17 - i);
        }
        return sum % 11 === 1;
      }),
    );
  });

  it('a computed check digit makes any plausible body valid', () => {
    fc.assert(fc.property(validId, (id) => isValidIdNumber(id)));
  });

  // Mathematically guaranteed: body weights 2^(17-i) mod 11 are all non-zero, a digit changes
  // by at most ±9 (< 11, prime), and the check char maps residues one-to-one.
  it('every single-character substitution (any position, any other 0-9/X) is rejected', () => {
    fc.assert(
      fc.property(validId, (id) => {
        for (let i = 0; i < 18; i++) {
          for (const c of ID_CHARS) {
            if (c === id[i]) continue;
            if (isValidIdNumber(id.slice(0, i) + c + id.slice(i + 1))) return false;
          }
        }
        return isValidIdNumber(id.slice(0, 17) + 'x') === false;
      }),
      { numRuns: 200 },
    );
  });

  // Transposing positions i and j changes the sum by (a_i − a_j)(W_i − W_j). 2 has order 10
  // mod 11, so W_i ≡ W_j exactly when |i − j| = 10 (e.g. positions 4 and 14, or 7 and the
  // check position 17): those swaps are NOT detectable by the checksum. All others are.
  it('every transposition of two different characters at distance ≠ 10 is rejected', () => {
    fc.assert(
      fc.property(validId, (id) => {
        for (let i = 0; i < 18; i++) {
          for (let j = i + 1; j < 18; j++) {
            if (j - i === 10 || id[i] === id[j]) continue;
            if (isValidIdNumber(swap(id, i, j))) return false;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('documents the undetectable class: a distance-10 swap keeps the checksum', () => {
    const id = '350102' + '19850312' + '147';
    const full = id + idNumberCheckDigit(id);
    const swapped = swap(full, 4, 14); // region digit ↔ first sequence digit, both weight 8
    expect(swapped).not.toBe(full);
    expect(isValidIdNumber(swapped)).toBe(true);
  });
});

describe('统一社会信用代码 (GB 32100-2015)', () => {
  it.each(['91350100M000100Y43', '91110000600037341L'])('accepts known real-format code %s', (code) => {
    expect(usccCheckChar(code.slice(0, 17))).toBe(code[17]);
    expect(isValidUscc(code)).toBe(true);
    expect(usccShape(code)).toBe(true);
  });

  it('rejects lowercase, letters outside the alphabet, wrong lengths and non-strings', () => {
    expect(isValidUscc('91110000600037341l')).toBe(false);
    expect(usccShape('91110000600037341l')).toBe(false);
    for (const bad of 'IOSVZ') {
      expect(usccShape('9111000060003734' + bad + 'L')).toBe(false);
      expect(() => usccCheckChar('9111000060003734' + bad)).toThrow(RangeError);
    }
    expect(usccShape('91110000600037341')).toBe(false);
    expect(usccShape('91110000600037341LL')).toBe(false);
    expect(isValidUscc(null as unknown as string)).toBe(false);
  });

  it('the shape regex accepts exactly the 31-character alphabet', () => {
    for (let code = 32; code < 127; code++) {
      const ch = String.fromCharCode(code);
      expect(usccShape('91350100M000100Y4' + ch)).toBe(USCC_ALPHABET.includes(ch));
    }
  });

  it('check char agrees with the form Σ v_i·3^i + c ≡ 0 (mod 31)', () => {
    fc.assert(
      fc.property(usccBody, (body) => {
        const full = body + usccCheckChar(body);
        let sum = 0;
        let w = 1;
        for (let i = 0; i < 17; i++, w = (w * 3) % 31) sum += USCC_ALPHABET.indexOf(full[i]!) * w;
        return (sum + USCC_ALPHABET.indexOf(full[17]!)) % 31 === 0;
      }),
    );
  });

  it('a computed check char makes any 17-char body valid', () => {
    fc.assert(fc.property(validUsccArb, (code) => isValidUscc(code) && usccShape(code)));
  });

  // Mathematically guaranteed: weights 3^i mod 31 are non-zero, values differ by at most ±30
  // (< 31, prime), and the check char maps residues one-to-one.
  it('every single-character substitution (any position, any other alphabet char) is rejected', () => {
    fc.assert(
      fc.property(validUsccArb, (code) => {
        for (let i = 0; i < 18; i++) {
          for (const c of USCC_ALPHABET) {
            if (c === code[i]) continue;
            const mutated = code.slice(0, i) + c + code.slice(i + 1);
            if (isValidUscc(mutated) || !usccShape(mutated)) return false;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  // 3 is a primitive root mod 31, so body weights 3^0..3^16 are distinct; but the check char
  // has effective weight 1 = 3^0, the same as position 0. Swapping position 0 with the check
  // position is therefore NOT detectable; every other transposition is.
  it('every transposition of two different characters except (0, 17) is rejected', () => {
    fc.assert(
      fc.property(validUsccArb, (code) => {
        for (let i = 0; i < 18; i++) {
          for (let j = i + 1; j < 18; j++) {
            if ((i === 0 && j === 17) || code[i] === code[j]) continue;
            if (isValidUscc(swap(code, i, j))) return false;
          }
        }
        return isValidUscc(swap(code, 0, 17));
      }),
      { numRuns: 200 },
    );
  });
});

describe('masking', () => {
  it('masks ID numbers keeping the first 6 and last 4', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskIdNumber('123')).toBe('***');
  });

  it('masks phone numbers 138****5678 style', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('1381234')).toBe('*******');
  });

  it('masks IDs and mobile numbers inside free text and JSON', () => {
    const line = '{"idNumber":"11010519491231002X","phone":"13812345678","caseNo":"FZ-ZJ-20260302-000137"}';
    expect(maskPersonalData(line)).toBe(
      '{"idNumber":"110105********002X","phone":"138****5678","caseNo":"FZ-ZJ-20260302-000137"}',
    );
    expect(maskPersonalData('申请人林晓梅，身份证号350102198503120470，电话+86 13859012345。')).toBe(
      '申请人林晓梅，身份证号350102********0470，电话+86 138****2345。',
    );
    expect(maskPersonalData('tel 8613859012345')).toBe('tel 86138****2345');
    expect(maskPersonalData('lowercase 11010519491231002x')).toBe('lowercase 110105********002x');
  });

  it('leaves longer digit runs and non-mobile numbers alone', () => {
    const text = 'seq 20260302093000123456 tel 0591-87654321 n 12812345678 uscc 91350100M000100Y43';
    expect(maskPersonalData(text)).toBe(text);
  });

  it('never leaves a valid ID or phone number visible, and is idempotent', () => {
    const filler = fc.string({ unit: fc.constantFrom(...'ab 办件:,{}"'.split('')), maxLength: 12 });
    const phone = fc.tuple(fc.integer({ min: 3, max: 9 }), charsOf(DIGITS, 9)).map(([d, rest]) => `1${d}${rest}`);
    // The separator between ID and phone is non-empty: digit runs glued together (29 digits)
    // are deliberately not split, so as not to mask inside long numeric identifiers.
    const sep = fc.string({ unit: fc.constantFrom(...' ,;:'.split('')), minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(filler, validId, sep, phone, filler, (a, id, b, tel, c) => {
        const masked = maskPersonalData(a + id + b + tel + c);
        return (
          !masked.includes(id) &&
          !masked.includes(tel) &&
          masked.includes(maskIdNumber(id)) &&
          masked.includes(maskPhone(tel)) &&
          maskPersonalData(masked) === masked
        );
      }),
    );
  });
});
