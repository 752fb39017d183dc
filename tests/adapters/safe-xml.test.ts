/**
 * The safety gate and parser on their own (no I/O): what is refused and why,
 * what the parsed tree looks like, the envelope reader, GBK encoding rules.
 */
import iconv from 'iconv-lite';
import { decodeXmlBody, encodeXmlBody, soapContentType } from '../../adapters/soap/encoding';
import { faultEnvelope, parseEnvelope } from '../../adapters/soap/envelope';
import { UnsafeXmlError, assertSafeXml, parseXml } from '../../adapters/soap/safe-xml';
import { buildElement } from '../../adapters/soap/xml-build';

const limits = { maxBytes: 4096, maxDepth: 8 };
const refusal = (text: string, l = limits): UnsafeXmlError => {
  try {
    assertSafeXml(text, l);
  } catch (e) {
    expect(e).toBeInstanceOf(UnsafeXmlError);
    return e as UnsafeXmlError;
  }
  throw new Error('not refused');
};

describe('assertSafeXml', () => {
  test.each([
    ['DOCTYPE', '<!DOCTYPE a><a/>', 'doctype', /DOCTYPE declarations are not allowed \(line 1, column 1\)/],
    ['doctype in lower case', '<!doctype a [<!ENTITY x "y">]><a>&x;</a>', 'doctype', /DOCTYPE/],
    ['ENTITY declaration', '<a/><!ENTITY x "y">', 'entity', /ENTITY declarations are not allowed/],
    ['undeclared entity', '<a>&nbsp;</a>', 'entity', /undeclared entity &nbsp;/],
    ['undeclared entity in an attribute', '<a b="&x;"/>', 'entity', /undeclared entity &x;/],
    ['bare ampersand', '<a>A & B</a>', 'malformed', /bare "&"/],
    ['illegal character reference', '<a>&#0;</a>', 'malformed', /not a legal XML character/],
    ['too deep', '<a><a><a><a><a><a><a><a><a/></a></a></a></a></a></a></a></a>', 'too-deep', /deeper than 8 levels/],
    ['too large', `<a>${'x'.repeat(5000)}</a>`, 'too-large', /5007 bytes exceeds the limit of 4096 bytes/],
    ['two roots', '<a/><b/>', 'malformed', /second root/],
    ['unclosed', '<a><b></b>', 'malformed', /unclosed element <a>/],
    ['mismatched', '<a><b></a></b>', 'malformed', /does not match/],
    ['declaration not first', '<!-- c --><?xml version="1.0"?><a/>', 'malformed', /declaration must come first/],
    ['unquoted attribute', '<a b=1/>', 'malformed', /no quoted value/],
  ])('%s is refused', (_name, text, reason, message) => {
    const e = refusal(text);
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(message);
  });

  test('ordinary documents pass: declaration, comments, PIs, CDATA, attributes with ">", character references', () => {
    expect(() => assertSafeXml('\n<?xml version="1.0"?><a/>', limits)).not.toThrow();
    expect(() => assertSafeXml('\uFEFF<?xml version="1.0" encoding="UTF-8"?><!-- c --><?pi x?><a b="1 > 0" c=\'&amp;\'><![CDATA[<&>]]>&#x4E2D;&#20013;</a>\n', limits)).not.toThrow();
  });

  test('size is measured in bytes (as received when given)', () => {
    const text = `<a>${'中'.repeat(1500)}</a>`; // 4507 UTF-8 bytes, 3007 GBK bytes
    expect(refusal(text).reason).toBe('too-large');
    expect(() => assertSafeXml(text, limits, { byteLength: iconv.encode(text, 'gbk').length })).not.toThrow();
  });
});

describe('parseXml', () => {
  test('strings only, prefixes stripped, entities and CDATA decoded, repeats as arrays, empty as ""', () => {
    const tree = parseXml(
      '<t:r xmlns:t="urn:t"><t:a>03</t:a><t:b>5000.00</t:b><t:c>A&amp;B&lt;&#x4E2D;&#25991;</t:c><t:d><![CDATA[&amp; <x>]]></t:d>' +
        '<t:e/><t:l><t:i>1</t:i></t:l><t:m><t:i>1</t:i><t:i>2</t:i></t:m><t:f attr="ignored">true</t:f></t:r>',
      limits,
    );
    expect(tree).toEqual({ r: { a: '03', b: '5000.00', c: 'A&B<中文', d: '&amp; <x>', e: '', l: { i: '1' }, m: { i: ['1', '2'] }, f: 'true' } });
  });

  test('refuses what assertSafeXml refuses', () => {
    expect(() => parseXml('<!DOCTYPE a><a/>', limits)).toThrow(UnsafeXmlError);
  });
});

describe('envelopes', () => {
  test('parseEnvelope: version, header, the Body element as written, its children', () => {
    const element = '<x:Req xmlns:x="urn:x">\n  <x:A>中</x:A>\n</x:Req>';
    const env = parseEnvelope(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><h>1</h></s:Header><s:Body>${element}</s:Body></s:Envelope>`);
    expect(env).toEqual({ version: '1.2', header: { h: '1' }, bodyElement: { name: 'Req', text: element }, body: { A: '中' }, usernameToken: null });
    expect(() => parseEnvelope('<s:Envelope xmlns:s="urn:not-soap"><s:Body/></s:Envelope>')).toThrow(/unknown envelope namespace urn:not-soap/);
    expect(() => parseEnvelope('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>')).toThrow(/no Body/);
  });

  test('faults of both versions are read back as written', () => {
    expect(parseEnvelope(faultEnvelope('1.1', { code: 'Sender', reason: '重复 <x>' })).fault).toEqual({ code: 'Client', reason: '重复 <x>' });
    expect(parseEnvelope(faultEnvelope('1.2', { code: 'Client', subcode: 'wsse:FailedAuthentication', reason: '身份认证失败' })).fault).toEqual({ code: 'Sender', subcode: 'wsse:FailedAuthentication', reason: '身份认证失败' });
  });
});

describe('encoding', () => {
  test('GBK: declaration rewritten, characters outside GBK as references; decoding by header, then declaration', () => {
    const { text, bytes } = encodeXmlBody('<?xml version="1.0" encoding="utf-8"?><a>喆（𠀀）</a>', 'gbk');
    expect(text).toBe('<?xml version="1.0" encoding="GBK"?><a>喆（&#x20000;）</a>');
    expect(bytes.equals(iconv.encode(text, 'gbk'))).toBe(true);
    expect(decodeXmlBody(bytes)).toBe(text); // by its declaration
    expect(decodeXmlBody(bytes, 'text/xml; charset="GBK"')).toBe(text);
    expect(decodeXmlBody(Buffer.from('<a>喆</a>'), 'text/xml')).toBe('<a>喆</a>'); // UTF-8 by default
    expect(decodeXmlBody(iconv.encode('<a>喆</a>', 'gbk'), 'text/xml; charset=gb2312')).toBe('<a>喆</a>');
    expect(() => decodeXmlBody(bytes, 'text/xml; charset=x-unknown')).toThrow('unsupported charset "x-unknown"');
  });

  test('content types', () => {
    expect(soapContentType('1.1', 'utf-8')).toBe('text/xml; charset=UTF-8');
    expect(soapContentType('1.2', 'gbk', 'urn:a/B')).toBe('application/soap+xml; charset=GBK; action="urn:a/B"');
  });

  test('buildElement: keys in order, arrays repeated, nested objects, text escaped, null left out', () => {
    expect(buildElement({ prefix: 'amr', namespace: 'urn:amr', name: 'R' }, { A: 'x<&>"', B: null, L: { CL: [{ N: '1' }, { N: '2' }] }, C: '03' })).toBe(
      '<amr:R xmlns:amr="urn:amr"><amr:A>x&lt;&amp;&gt;&quot;</amr:A><amr:L><amr:CL><amr:N>1</amr:N></amr:CL><amr:CL><amr:N>2</amr:N></amr:CL></amr:L><amr:C>03</amr:C></amr:R>',
    );
  });
});
