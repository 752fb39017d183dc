import fc from 'fast-check';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { digestHex } from '../../gateway/crypto/digest';
import {
  CodeTable,
  defineCodeTable,
  defineMapping,
  firstNonGbkChar,
  firstNonXmlChar,
  fromNativeDate,
  nest,
  provenance,
  serializeElement,
  toNativeDate,
  xmlForm,
  type FieldRule,
  type MappingSpec,
} from '../../adapters/mapping';
import type { NativeObject } from '../../adapters/types';
import { parseChildren, caught } from './mapping-support';
import { gatewayErrorOf } from '../../gateway/adapters/boundary';

const NS = { prefix: 'x', uri: 'urn:test:x' };


const tables = {
  colour: { red: 'R', green: 'G' },
  flag: [[true, 'Y'], [false, 'N']] as Array<[boolean, string]>,
  status: { accepted: '01', completed: '04' },
};

const orderSpec: MappingSpec = {
  name: 'test Order',
  version: 't/1',
  codeTables: tables,
  fields: [
    { to: 'ID', from: 'id' },
    { to: 'KIND', from: 'kind', codes: 'colour' },
    { to: 'PAID', from: 'paid', codes: 'flag' },
    { to: 'QTY', from: 'qty', type: 'integer' },
    { to: 'AMT', from: 'amount.value', type: 'decimal', scale: 2 },
    { from: 'amount.currency', constant: 'CNY' },
    { to: 'AT', from: 'at', date: 'yyyyMMddHHmmss' },
    { to: 'ON', from: 'on', date: 'yyyyMMdd', optional: true },
    { to: 'TYPE', from: 'party.type' },
    { to: 'PID', from: 'party.id', when: { 'party.type': 'person' } },
    { to: 'OID', from: 'party.code', when: { 'party.type': ['org', 'gov'] } },
    { to: 'LIST.ITEM', from: 'lines', each: [{ to: 'N', from: 'name' }, { to: 'C', from: 'count', type: 'integer' }, { to: 'ST', from: 'status', codes: 'status', optional: true }] },
    { to: 'NOTE', from: 'note', optional: true },
  ],
};
const order = defineMapping(orderSpec);
const sampleOrder = {
  id: 'A-1',
  kind: 'green',
  paid: false,
  qty: 3,
  amount: { value: '12.50', currency: 'CNY' },
  at: '2026-03-02T09:30:00+08:00',
  on: '2026-03-01',
  party: { type: 'person', id: 'P9' },
  lines: [{ name: 'a', count: 1, status: 'completed' }, { name: 'b', count: 2 }],
};

describe('code tables', () => {
  it('map both ways and reject tables that are not 1:1 when defined', () => {
    const t = defineCodeTable('colour', { red: 'R', green: 'G' });
    expect([t.code('red'), t.value('G'), t.code('blue'), t.value('B')]).toEqual(['R', 'green', undefined, undefined]);
    expect(() => defineCodeTable('dup', { a: 'X', b: 'X' })).toThrow(/not 1:1.*"X"/);
    expect(() => defineCodeTable('dup', [['a', 'X'], ['a', 'Y']])).toThrow(/not 1:1.*"a" appears twice/);
    expect(() => defineCodeTable('empty', {})).toThrow(/no entries/);
    expect(() => defineCodeTable('blank', { a: '' })).toThrow(/non-empty/);
    expect(() => defineMapping({ ...orderSpec, codeTables: { ...tables, colour: { red: 'R', green: 'R' } } })).toThrow(/code table colour is not 1:1/);
  });

  it('distinguish booleans from strings and match a code a parser typed as a number', () => {
    const flag = new CodeTable('flag', [[true, 'Y'], [false, 'N']]);
    expect([flag.code(true), flag.code('true'), flag.value('N')]).toEqual(['Y', undefined, false]);
    const status = defineCodeTable('status', { accepted: '01', completed: '04' });
    expect([status.value('4', true), status.value('4', false), status.value('01', true)]).toEqual(['completed', undefined, 'accepted']);
  });
});

describe('spec definition', () => {
  const bad = (fields: FieldRule[], extra: Partial<MappingSpec> = {}) => () => defineMapping({ name: 'bad', version: '1', codeTables: tables, fields, ...extra });
  it('rejects ill-formed specs naming the rule', () => {
    expect(bad([{ to: 'A', from: 'a', codes: 'nope' }])).toThrow(/no code table "nope"/);
    expect(bad([{ to: 'A', from: 'a', codes: 'colour', date: 'yyyyMMdd' }])).toThrow(/one value kind per rule/);
    expect(bad([{ to: 'A', from: 'a', when: { b: 'x' } }, { to: 'B', from: 'b' }])).toThrow(/when b: must be the `from` of an earlier rule/);
    expect(bad([{ to: 'A', from: 'a' }, { to: 'A', from: 'b' }])).toThrow(/native field A is mapped twice/);
    expect(bad([{ to: 'T', from: 't' }, { to: 'A', from: 'a', when: { t: 'x' } }, { to: 'A', from: 'b', when: { t: ['y', 'x'] } }])).toThrow(/mapped twice/);
    expect(bad([{ to: 'T', from: 't' }, { to: 'A', from: 'a', when: { t: 'x' } }, { to: 'A', from: 'b', when: { t: 'y' } }])).not.toThrow();
    expect(bad([{ to: '1A', from: 'a' }])).toThrow(/bad path segment "1A"/);
    expect(bad([{ to: 'A', from: 'a..b' }])).toThrow(/bad path segment ""/);
    expect(bad([{ to: 'A', from: 'a', constant: 'x' }])).toThrow(/constant has no native field/);
    expect(bad([{ to: 'A', from: 'a', date: 'dd/MM/yyyy' as never }])).toThrow(/unknown date format/);
    expect(bad([{ to: 'A', from: 'a', scale: 2 }])).toThrow(/scale is for decimals/);
    expect(bad([{ to: 'A', from: 'a', custom: {} as never }])).toThrow(/custom needs toNative and fromNative/);
    expect(bad([{ to: 'A', from: 'a' }], { version: '' })).toThrow(/version/);
    expect(bad([])).toThrow(/non-empty array/);
  });

  it('nest prefixes native paths but not constants or item paths', () => {
    expect(nest('doc', [{ to: 'A', from: 'a' }, { from: 'c', constant: 1 }, { to: 'L.I', from: 'l', each: [{ to: 'N', from: 'n' }] }])).toEqual([
      { to: 'doc.A', from: 'a' },
      { from: 'c', constant: 1 },
      { to: 'doc.L.I', from: 'l', each: [{ to: 'N', from: 'n' }] },
    ]);
  });
});

describe('toNative and fromNative', () => {
  it('writes the native tree in rule order and reads it back', () => {
    const native = order.toNative(sampleOrder);
    expect(native).toEqual({
      ID: 'A-1', KIND: 'G', PAID: 'N', QTY: '3', AMT: '12.50', AT: '20260302093000', ON: '20260301', TYPE: 'person', PID: 'P9',
      LIST: { ITEM: [{ N: 'a', C: '1', ST: '04' }, { N: 'b', C: '2' }] },
    });
    expect(Object.keys(native)).toEqual(['ID', 'KIND', 'PAID', 'QTY', 'AMT', 'AT', 'ON', 'TYPE', 'PID', 'LIST']);
    expect(order.fromNative(native)).toEqual(sampleOrder);
    const xml = serializeElement(NS, 'Order', native);
    expect(order.fromNative(parseChildren(xml))).toEqual(sampleOrder);
  });

  it('applies conditions in both directions (on our JSON: the input, or the JSON built so far)', () => {
    const org = { ...sampleOrder, party: { type: 'gov', code: 'G1', id: 'ignored' } };
    const native = order.toNative(org);
    expect([native.PID, native.OID]).toEqual([undefined, 'G1']);
    expect(order.fromNative(native).party).toEqual({ type: 'gov', code: 'G1' });
  });

  it('normalises a repeated element that occurred once, an empty list and empty optional elements', () => {
    const native = order.toNative({ ...sampleOrder, lines: [{ name: 'only', count: 5 }] });
    const single = { ...native, LIST: { ITEM: { N: 'only', C: 5 } }, ON: '', NOTE: {} } as NativeObject;
    const back = order.fromNative(single);
    expect(back.lines).toEqual([{ name: 'only', count: 5 }]);
    expect(back).not.toHaveProperty('on');
    expect(back).not.toHaveProperty('note');
    const empty = order.toNative({ ...sampleOrder, lines: [] });
    expect(serializeElement(NS, 'Order', empty)).toContain('<x:LIST/>');
    expect(order.fromNative({ ...empty, LIST: '' }).lines).toEqual([]);
  });

  it('formats decimals to the scale without rounding, and integers exactly', () => {
    const amount = (value: unknown) => order.toNative({ ...sampleOrder, amount: { value, currency: 'CNY' } }).AMT;
    expect([amount('5'), amount(7.5), amount('0.100'), amount('-3.00')]).toEqual(['5.00', '7.50', '0.10', '-3.00']);
    expect(caught(() => amount('1.005')).extra.errors).toEqual([{ pointer: '/amount/value', message: '"1.005" is not a decimal with 2 decimals' }]);
    for (const v of ['1.005', '1e3', 'abc', Infinity]) expect(caught(() => amount(v)).code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    const back = (AMT: unknown) => order.fromNative({ ...order.toNative(sampleOrder), AMT } as NativeObject);
    expect(back('7').amount).toEqual({ value: '7.00', currency: 'CNY' });
    expect(caught(() => back('7.123')).code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(caught(() => order.toNative({ ...sampleOrder, qty: 1.5 })).extra.errors).toEqual([{ pointer: '/qty', message: '1.5 is not an integer' }]);
    expect(caught(() => order.fromNative({ ...order.toNative(sampleOrder), QTY: 'x3' })).extra.errors).toEqual([{ pointer: '/QTY', message: '"x3" is not an integer' }]);
  });

  it('checks constants forward and sets them in reverse', () => {
    const e = caught(() => order.toNative({ ...sampleOrder, amount: { value: '1.00', currency: 'USD' } }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.extra.errors).toEqual([{ pointer: '/amount/currency', message: '"USD" cannot be expressed: test Order implies "CNY"' }]);
  });
});

describe('unmapped values and invalid native messages', () => {
  it('an unknown code of ours names the field, the value, the table and a pointer into the request body', () => {
    const e = caught(() => order.toNative({ ...sampleOrder, kind: 'blue' }, { pointer: '/payload' }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(gatewayErrorOf(e).status).toBe(422);
    expect(e.detail).toBe('KIND (kind): "blue" is not in code table colour');
    expect(e.extra.errors).toEqual([{ pointer: '/payload/kind', message: '"blue" is not in code table colour' }]);
    const inItem = caught(() => order.toNative({ ...sampleOrder, lines: [{ name: 'a', count: 1 }, { name: 'b', count: 1, status: 'lost' }] }, { pointer: '/payload' }));
    expect(inItem.detail).toBe('LIST.ITEM.ST (lines.1.status): "lost" is not in code table status');
    expect(inItem.extra.errors![0]!.pointer).toBe('/payload/lines/1/status');
  });

  it('an unknown agency code is unmapped, with a pointer into the native message', () => {
    const native = order.toNative(sampleOrder);
    const e = caught(() => order.fromNative({ ...native, LIST: { ITEM: [{ N: 'a', C: '1', ST: '99' }] } }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.detail).toBe('LIST.ITEM.ST (lines.0.status): code "99" is not in code table status');
    expect(e.extra.errors).toEqual([{ pointer: '/LIST/ITEM/0/ST', message: 'code "99" is not in code table status' }]);
  });

  it('a missing required value forward is unmapped; a missing native field or malformed date is invalid native', () => {
    const { kind: _k, ...noKind } = sampleOrder;
    expect(caught(() => order.toNative(noKind)).detail).toBe('KIND (kind): is absent, but test Order requires KIND');
    const native = order.toNative(sampleOrder);
    const { ID: _id, ...noId } = native;
    const missing = caught(() => order.fromNative(noId));
    expect(missing.code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(missing.extra.errors).toEqual([{ pointer: '/ID', message: 'is missing from test Order' }]);
    for (const AT of ['2026-03-02 09:30:00', '20260230093000', '20261302093000', '20260302243000']) {
      const e = caught(() => order.fromNative({ ...native, AT }));
      expect(e.code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
      expect(e.detail).toBe(`AT (at): "${AT}" is not a date/time in the format yyyyMMddHHmmss`);
    }
    expect(caught(() => order.fromNative({ ...native, ID: ['a', 'b'] })).detail).toBe('ID (id): occurs 2 times; one expected');
    expect(caught(() => order.fromNative({ ...native, ID: { X: 'y' } })).detail).toBe('ID (id): has child elements; text expected');
    expect(caught(() => order.fromNative({ ...native, ID: 2 ** 60 })).code).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(caught(() => order.fromNative({ ...native, LIST: undefined })).extra.errors).toEqual([{ pointer: '/LIST', message: 'is missing from test Order' }]);
  });

  it('accepts leaves a parser typed as numbers', () => {
    const native = { ...order.toNative(sampleOrder), QTY: 3, AT: 20260302093000, LIST: { ITEM: { N: 'a', C: 1, ST: 4 } } } as NativeObject;
    expect(order.fromNative(native)).toMatchObject({ qty: 3, at: '2026-03-02T09:30:00+08:00', lines: [{ name: 'a', count: 1, status: 'completed' }] });
  });
});

describe('dates and times in Asia/Shanghai', () => {
  it('converts any offset to Shanghai wall time', () => {
    expect(toNativeDate('2026-03-02T01:30:00Z', 'yyyy-MM-dd HH:mm:ss')).toBe('2026-03-02 09:30:00');
    expect(toNativeDate('2026-03-02T09:30:00+08:00', 'yyyy-MM-dd HH:mm:ss')).toBe('2026-03-02 09:30:00');
    expect(toNativeDate('2026-03-01T20:00:00-05:00', 'yyyyMMddHHmmss')).toBe('20260302090000');
    expect(toNativeDate('2026-12-31T16:00:00Z', 'yyyyMMddHHmmss')).toBe('20270101000000');
    expect(toNativeDate('2026-03-02T09:30:00.999+09:30', 'yyyyMMddHHmmss')).toBe('20260302080000');
    expect(toNativeDate('2026-03-01T17:00:00Z', 'yyyyMMdd')).toBe('20260302');
    expect(toNativeDate('2028-02-29', 'yyyyMMdd')).toBe('20280229');
  });

  it('rejects what is not a real date-time with offset', () => {
    for (const v of ['2026-03-02T09:30:00', '2026-03-02 09:30:00+08:00', '2026-02-29T09:30:00+08:00', '2026-03-02T24:00:00Z', '2026-03-02T09:30:00+24:00', '2026-03-02']) {
      expect(toNativeDate(v, 'yyyyMMddHHmmss')).toBeUndefined();
    }
    expect(toNativeDate('2026-02-29', 'yyyyMMdd')).toBeUndefined();
    expect(fromNativeDate('20260302093000', 'yyyyMMddHHmmss')).toBe('2026-03-02T09:30:00+08:00');
    expect(fromNativeDate('20260302', 'yyyyMMdd')).toBe('2026-03-02');
    expect(fromNativeDate('2026-03-02', 'yyyyMMdd')).toBeUndefined();
    expect(fromNativeDate('20260302 093000', 'yyyyMMddHHmmss')).toBeUndefined();
  });

  it('denotes the same instant whatever the offset (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }), fc.integer({ min: -12 * 60, max: 14 * 60 }), (ms, offsetMin) => {
        const instant = Math.floor(ms / 1000) * 1000;
        const local = new Date(instant + offsetMin * 60000).toISOString().slice(0, 19);
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const ours = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const back = fromNativeDate(toNativeDate(ours, 'yyyy-MM-dd HH:mm:ss')!, 'yyyy-MM-dd HH:mm:ss')!;
        expect(Date.parse(back)).toBe(instant);
        expect(back.endsWith('+08:00')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('text: XML and GBK', () => {
  const text = defineMapping({ name: 'test Text', version: '1', fields: [{ to: 'T', from: 't' }] });
  const gbkText = defineMapping({ name: 'test GBK', version: '1', charset: 'gbk', fields: [{ to: 'T', from: 't' }] });

  it('escapes markup and keeps every character', () => {
    const t = `A&B <c> "d" 'e' 喆堃犇淼（），：。 line\r\nnext\ttab &amp; ]]>`;
    const xml = serializeElement(NS, 'R', text.toNative({ t }));
    expect(xml).toBe(`<x:R xmlns:x="urn:test:x"><x:T>A&amp;B &lt;c&gt; &quot;d&quot; &apos;e&apos; 喆堃犇淼（），：。 line&#13;\nnext\ttab &amp;amp; ]]&gt;</x:T></x:R>`);
    expect(text.fromNative(parseChildren(xml))).toEqual({ t });
  });

  it('round-trips any XML-representable text through the serializer and a parser (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => firstNonXmlChar(s) === undefined && s.trim() !== ''), (t) => {
        expect(text.fromNative(parseChildren(serializeElement(NS, 'R', text.toNative({ t }))))).toEqual({ t });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses characters XML cannot carry, and for a GBK agency characters GBK cannot encode', () => {
    const e = caught(() => text.toNative({ t: 'bell\u0007' }, { pointer: '/payload' }));
    expect(e.code).toBe('GW_ERR_ADAPTER_UNMAPPED_VALUE');
    expect(e.extra.errors).toEqual([{ pointer: '/payload/t', message: 'contains U+0007, which XML cannot carry' }]);
    expect(gbkText.toNative({ t: '陶喆 王堃 犇 淼 （），：。“”〔〕·—' }).T).toBe('陶喆 王堃 犇 淼 （），：。“”〔〕·—');
    expect(text.toNative({ t: '𠮷野家' }).T).toBe('𠮷野家');
    const g = caught(() => gbkText.toNative({ t: '𠮷野家' }));
    expect(g.detail).toBe('T (t): contains "𠮷" (U+20BB7), which GBK cannot encode (test GBK is GBK)');
    for (const t of ['😀', '\uE000', '€', '\u00A0']) expect(firstNonGbkChar(t)).toBe(t);
    expect(firstNonGbkChar('plain ASCII ~')).toBeUndefined();
  });
});

describe('XML serializer', () => {
  it('is deterministic, namespace-qualified and in tree order', () => {
    const tree: NativeObject = { B: '2', A: { Z: '1', Y: ['a', 'b'] }, E: '', N: null, U: undefined, C: { D: [] } };
    const xml = '<x:R xmlns:x="urn:test:x"><x:B>2</x:B><x:A><x:Z>1</x:Z><x:Y>a</x:Y><x:Y>b</x:Y></x:A><x:E/><x:C/></x:R>';
    expect(serializeElement(NS, 'R', tree)).toBe(xml);
    expect(serializeElement(NS, 'R', structuredClone(tree))).toBe(xml);
    // The native order comes from the spec, never from the order of our JSON's keys.
    const reversedKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversedKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)])) : v;
    expect(serializeElement(NS, 'Order', order.toNative(reversedKeys(sampleOrder)))).toBe(serializeElement(NS, 'Order', order.toNative(sampleOrder)));
    expect(xmlForm('Op', NS, 'R', tree)).toEqual({ operation: 'Op', mediaType: 'application/xml', text: xml });
    expect(() => serializeElement(NS, 'R', { 'bad name': 'x' })).toThrow(/not an element name/);
    expect(() => serializeElement({ prefix: 'xmlns', uri: 'u' }, 'R', {})).toThrow(/bad prefix/);
  });
});

describe('provenance', () => {
  const meta = { adapter: 'test-soap', adapterVersion: '1.2.0', mappingVersion: 't/1' };
  it('digests the canonical original and the converted text', () => {
    const original = canonicalJson(sampleOrder);
    const form = xmlForm('Order', NS, 'Order', order.toNative(sampleOrder));
    for (const alg of ['sm3', 'sha256'] as const) {
      expect(provenance(meta, original, form, alg)).toEqual({
        ...meta,
        operation: 'Order',
        original: { alg, value: digestHex(alg, original) },
        converted: { alg, value: digestHex(alg, form.text), mediaType: 'application/xml' },
      });
    }
  });

  it('changes when one character changes, and refuses a mismatched operation', () => {
    const p = (o: typeof sampleOrder) => provenance(meta, canonicalJson(o), xmlForm('Order', NS, 'Order', order.toNative(o)), 'sm3');
    const a = p(sampleOrder);
    const b = p({ ...sampleOrder, id: 'A-2' });
    expect(b.original.value).not.toBe(a.original.value);
    expect(b.converted.value).not.toBe(a.converted.value);
    expect(p(structuredClone(sampleOrder))).toEqual(a);
    expect(() => provenance({ ...meta, operation: 'Other' }, '{}', xmlForm('Order', NS, 'Order', {}), 'sm3')).toThrow(/differs/);
    expect(() => provenance({ ...meta, adapter: '' }, '{}', xmlForm('Order', NS, 'Order', {}), 'sm3')).toThrow(/adapter/);
  });
});
