import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { USCC_ALPHABET, usccCheckChar } from '../../gateway/schemas/identifiers';
import { projectRoot, schemasDir } from '../../gateway/schemas/paths';
import { SchemaRegistry, type ValidationResult } from '../../gateway/schemas/registry';
import {
  sampleCaseRecord,
  sampleCaseStatus,
  samplePersonCaseRecord,
  validIdNumber,
  validUscc,
} from '../fixtures/case-record';

// Deep copy as a loosely typed JSON value, so tests can break it freely.
type Json = any;
const clone = (v: unknown): Json => JSON.parse(JSON.stringify(v));

function errorsOf(r: ValidationResult): { pointer: string; message: string }[] {
  if (r.ok) throw new Error('expected validation to fail');
  return r.errors;
}
const pointers = (r: ValidationResult) => errorsOf(r).map((e) => e.pointer);

let reg: SchemaRegistry;
let warnReg: SchemaRegistry;
beforeAll(async () => {
  reg = await SchemaRegistry.load(schemasDir());
  warnReg = await SchemaRegistry.load(schemasDir(), { usccMode: 'warn' });
});

const wrongCheck = (code: string) => {
  const right = code[17]!;
  const other = USCC_ALPHABET[(USCC_ALPHABET.indexOf(right) + 1) % 31]!;
  return code.slice(0, 17) + other;
};

const wrongIdCheck = (id: string) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');

describe('paths', () => {
  it('finds the xgw project root and its schemas directory', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8'));
    expect(pkg.name).toBe('xgw');
    expect(schemasDir()).toBe(path.join(projectRoot(), 'schemas'));
    expect(fs.existsSync(path.join(schemasDir(), 'case-record.schema.json'))).toBe(true);
  });
});

describe('SchemaRegistry basics', () => {
  it('loads the case types and exposes their schemas', () => {
    expect(reg.types()).toEqual(expect.arrayContaining(['case-record', 'case-status']));
    expect(reg.has('case-record')).toBe(true);
    expect(reg.has('nope')).toBe(false);
    const s = reg.schemaOf('case-record') as { $id: string; $schema: string };
    expect(s.$id).toBe('https://xgw.gov.cn/schemas/case-record.schema.json');
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('throws for unknown types', () => {
    expect(() => reg.validate('nope', {})).toThrow(/unknown message type/);
    expect(() => reg.schemaOf('nope')).toThrow(/unknown message type/);
  });

  it('the sample records validate and the organisation sample is about 2 KB', () => {
    expect(reg.validate('case-record', sampleCaseRecord())).toEqual({ ok: true });
    expect(reg.validate('case-record', samplePersonCaseRecord())).toEqual({ ok: true });
    expect(reg.validate('case-status', sampleCaseStatus())).toEqual({ ok: true });
    expect(reg.validate('case-status', sampleCaseStatus({ status: 'correction', result: undefined }))).toEqual({ ok: true });
    const bytes = Buffer.byteLength(JSON.stringify(sampleCaseRecord()));
    expect(bytes).toBeGreaterThan(1700);
    expect(bytes).toBeLessThan(2500);
  });

  it('a non-object payload is reported at the root pointer ""', () => {
    expect(errorsOf(reg.validate('case-status', 'x'))).toEqual([{ pointer: '', message: 'must be object' }]);
  });
});

describe('error pointers', () => {
  it('missing fields point at the missing property', () => {
    const org = clone(sampleCaseRecord());
    delete org.caseNo;
    delete org.applicant.uscc;
    delete org.materials[3].copies;
    expect(pointers(reg.validate('case-record', org)).sort()).toEqual(['/applicant/uscc', '/caseNo', '/materials/3/copies']);
    const person = clone(samplePersonCaseRecord());
    delete person.applicant.idNumber;
    expect(errorsOf(reg.validate('case-record', person))).toEqual([{ pointer: '/applicant/idNumber', message: 'is required' }]);
  });

  it('bad enum values name the allowed values', () => {
    const rec = clone(sampleCaseRecord());
    rec.materials[2].form = '扫描件';
    expect(errorsOf(reg.validate('case-record', rec))).toEqual([
      { pointer: '/materials/2/form', message: 'must be one of: "原件", "复印件", "电子件"' },
    ]);
    const [e] = errorsOf(reg.validate('case-status', sampleCaseStatus({ status: 'done' as never })));
    expect(e!.pointer).toBe('/status');
    for (const v of ['accepted', 'in_progress', 'correction', 'completed', 'returned']) expect(e!.message).toContain(v);
  });

  it('a wrong or missing applicant type points at /applicant/type', () => {
    const rec = clone(sampleCaseRecord());
    rec.applicant.type = 'company';
    expect(errorsOf(reg.validate('case-record', rec))).toEqual([
      { pointer: '/applicant/type', message: 'must be one of: "person", "organisation"' },
    ]);
    delete rec.applicant.type;
    expect(errorsOf(reg.validate('case-record', rec))).toEqual([{ pointer: '/applicant/type', message: 'is required' }]);
  });

  it('a USCC with a wrong check character is rejected at /applicant/uscc', () => {
    const rec = clone(sampleCaseRecord());
    rec.applicant.uscc = wrongCheck(rec.applicant.uscc);
    const errs = errorsOf(reg.validate('case-record', rec));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.pointer).toBe('/applicant/uscc');
    expect(errs[0]!.message).toMatch(/统一社会信用代码/);
  });

  it.each([
    ['wrong check digit', wrongIdCheck(validIdNumber('350102', '19850312', '047'))],
    ['lowercase x', '11010519491231002x'],
    ['impossible birth date', validIdNumber('350102', '19850230', '047')],
    ['too short', '1101051949123100'],
  ])('an ID number with %s is rejected at /applicant/idNumber', (_what, idNumber) => {
    const rec = clone(samplePersonCaseRecord());
    rec.applicant.idNumber = idNumber;
    expect(new Set(pointers(reg.validate('case-record', rec)))).toEqual(new Set(['/applicant/idNumber']));
  });

  it('extra properties point at the extra property, at every level', () => {
    const rec = clone(sampleCaseRecord());
    rec.extra = 1;
    rec.matter.level = '市级';
    rec.applicant.email = 'a@b.cn';
    rec.materials[5].digest.bits = 256;
    rec.materials[0]['a/b~c'] = true;
    expect(pointers(reg.validate('case-record', rec)).sort()).toEqual(
      ['/extra', '/matter/level', '/applicant/email', '/materials/5/digest/bits', '/materials/0/a~1b~0c'].sort(),
    );
    const person = clone(samplePersonCaseRecord());
    person.applicant.uscc = validUscc();
    expect(errorsOf(reg.validate('case-record', person))).toEqual([
      { pointer: '/applicant/uscc', message: 'is not an allowed property' },
    ]);
  });

  it.each([
    ['2026-03-02 09:30:00+08:00', false],
    ['2026-03-02T09:30:00', false],
    ['2026-03-02T09:30:00+0800', false],
    ['2026-02-30T09:30:00+08:00', false],
    ['2026-03-02T24:30:00+08:00', false],
    ['2026-03-02', false],
    ['2026-03-02T09:30:00+08:00', true],
    ['2026-03-02T01:30:00.123Z', true],
  ])('date-time %s valid=%s', (value, ok) => {
    const rec = clone(sampleCaseRecord());
    rec.acceptedAt = value;
    const r = reg.validate('case-record', rec);
    expect(r.ok).toBe(ok);
    if (!ok) expect(errorsOf(r)).toEqual([{ pointer: '/acceptedAt', message: expect.stringMatching(/RFC 3339/) }]);
    const st = reg.validate('case-status', sampleCaseStatus({ occurredAt: value }));
    expect(st.ok).toBe(ok);
  });

  it('reports all errors at once with ranges, lengths and patterns', () => {
    const rec = clone(sampleCaseRecord());
    rec.legalLimitDays = 366;
    rec.matter.code = 'ab';
    rec.remarks = '备'.repeat(2001);
    rec.materials[5].digest.value = rec.materials[5].digest.value.toUpperCase();
    rec.materials[0].copies = 0;
    expect(pointers(reg.validate('case-record', rec)).sort()).toEqual(
      ['/legalLimitDays', '/matter/code', '/remarks', '/materials/5/digest/value', '/materials/0/copies'].sort(),
    );
    const many = clone(sampleCaseRecord());
    many.materials = Array.from({ length: 201 }, () => ({ name: '材料', copies: 1, form: '原件' }));
    expect(pointers(reg.validate('case-record', many))).toEqual(['/materials']);
  });

  it('case-status: result only with status completed; opinion at most 2000 chars', () => {
    expect(pointers(reg.validate('case-status', sampleCaseStatus({ status: 'in_progress' })))).toEqual(['/status']);
    expect(pointers(reg.validate('case-status', sampleCaseStatus({ opinion: '意'.repeat(2001) })))).toEqual(['/opinion']);
  });
});

describe('USCC warn mode', () => {
  it('accepts a wrong check character with a warning at the USCC pointer', () => {
    const rec = clone(sampleCaseRecord());
    rec.applicant.uscc = wrongCheck(rec.applicant.uscc);
    const r = warnReg.validate('case-record', rec);
    expect(r).toEqual({ ok: true, warnings: [{ pointer: '/applicant/uscc', message: expect.stringMatching(/check character/) }] });
    expect(warnReg.validate('case-record', sampleCaseRecord())).toEqual({ ok: true });
  });

  it.each([
    ['too short', '91350100273896412'],
    ['too long', '91350100273896412WW'],
    ['letter outside the alphabet', '9135010027389641IW'],
    ['lowercase', '91350100273896412w'],
  ])('still rejects a USCC that is %s', (_what, uscc) => {
    const rec = clone(sampleCaseRecord());
    rec.applicant.uscc = uscc;
    const errs = errorsOf(warnReg.validate('case-record', rec));
    expect(new Set(errs.map((e) => e.pointer))).toEqual(new Set(['/applicant/uscc']));
    expect(errs.map((e) => e.message).join('\n')).not.toMatch(/check character/);
  });

  it('strict rejects and warn accepts exactly the shape-valid codes with a wrong check char', () => {
    const body = fc.string({ unit: fc.constantFrom(...USCC_ALPHABET.split('')), minLength: 17, maxLength: 17 });
    fc.assert(
      fc.property(body, fc.constantFrom(...USCC_ALPHABET.split('')), (b, last) => {
        const rec = clone(sampleCaseRecord());
        rec.applicant.uscc = b + last;
        const correct = usccCheckChar(b) === last;
        const strict = reg.validate('case-record', rec);
        const warn = warnReg.validate('case-record', rec);
        return strict.ok === correct && warn.ok && (correct ? !('warnings' in warn) : warn.warnings?.length === 1);
      }),
    );
  });

  it('rejects an unknown usccMode', async () => {
    await expect(SchemaRegistry.load(schemasDir(), { usccMode: 'loose' as never })).rejects.toThrow(/usccMode/);
  });
});

describe('schema files follow the house rules', () => {
  type Node = Record<string, unknown>;
  const problems: string[] = [];
  function walk(node: unknown, at: string): void {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
    if (node === null || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'object' && n.properties && n.additionalProperties !== false && !at.includes('dependentSchemas')) {
      problems.push(`${at}: object without additionalProperties: false`);
    }
    if (n.type === 'string' && n.maxLength === undefined && n.enum === undefined && n.const === undefined) {
      problems.push(`${at}: string without maxLength`);
    }
    if (n.type === 'array' && n.maxItems === undefined) problems.push(`${at}: array without maxItems`);
    for (const [k, v] of Object.entries(n)) if (k !== 'enum' && k !== 'const') walk(v, `${at}/${k}`);
  }

  it.each(['case-record', 'case-status', 'official-document', 'supervision-notice', 'document-answer'])('%s', (type) => {
    const schema = reg.schemaOf(type) as Node;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(`https://xgw.gov.cn/schemas/${type}.schema.json`);
    expect(String(schema.title)).toMatch(/[\u4e00-\u9fff].*\/.*[A-Za-z]/);
    expect(String(schema.description)).toMatch(/[\u4e00-\u9fff]/);
    expect(String(schema.description)).toMatch(/[A-Za-z]{4}/);
    problems.length = 0;
    walk(schema, '#');
    expect(problems).toEqual([]);
  });
});

describe('loading from other directories', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-schemas-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, body: unknown) =>
    fs.writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));

  it('ignores other files and resolves $refs between schema files', async () => {
    write('README.md', '# not a schema');
    write('code.schema.json', { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://x.test/code.schema.json', type: 'string', maxLength: 18, format: 'uscc' });
    write('org.schema.json', {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://x.test/org.schema.json',
      type: 'object',
      additionalProperties: false,
      required: ['uscc'],
      properties: { uscc: { $ref: 'code.schema.json' } },
    });
    const r = await SchemaRegistry.load(dir);
    expect(r.types()).toEqual(['code', 'org']);
    expect(r.validate('org', { uscc: validUscc('12345678') })).toEqual({ ok: true });
    expect(pointers(r.validate('org', { uscc: wrongCheck(validUscc('12345678')) }))).toEqual(['/uscc']);
  });

  it('fails loudly on invalid JSON and on schemas that strict mode rejects', async () => {
    write('broken.schema.json', '{ "type": ');
    await expect(SchemaRegistry.load(dir)).rejects.toThrow(/broken\.schema\.json/);
    fs.rmSync(path.join(dir, 'broken.schema.json'));
    write('typo.schema.json', { type: 'object', properties: { a: { type: 'string', maxLenght: 3 } } });
    await expect(SchemaRegistry.load(dir)).rejects.toThrow(/typo\.schema\.json.*maxLenght/);
  });
});
