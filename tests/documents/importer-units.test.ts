/**
 * The plain-text importer's parts: dates in Arabic and Chinese numerals, 发文字号 in every
 * bracket style, 主送 lists, classification marks in any spelling, traditional input,
 * strict UTF-8/GBK detection — and, throughout, that nothing is invented.
 */
import iconv from 'iconv-lite';
import fc from 'fast-check';
import { importDocument } from '../../gateway/documents/importer';
import { parseDate, chineseSmallNumber } from '../../gateway/documents/numerals';
import { parseSecrecyMark, refuseClassifiedPayload } from '../../gateway/documents/classification';
import { decodeDocumentText, decodeDeclared } from '../../gateway/documents/decode';
import { matchingForm, toSimplified } from '../../gateway/documents/normalize';
import { GatewayError } from '../../gateway/errors';

const TITLE = '江州市人民政府办公室关于推进政务服务事项一网通办的通知';
const TAIL = ['各区人民政府：', '现就有关事项通知如下。', '江州市人民政府办公室', '2024年5月8日'];
const doc = (...head: string[]) => [...head, TITLE, ...TAIL].join('\n');

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof GatewayError) return e.code;
    throw e;
  }
};

describe('dates', () => {
  test.each([
    ['二〇〇七年二月一日', '2007-02-01'],
    ['二○一五年七月二十日', '2015-07-20'], // ○ U+25CB, as often typed
    ['二零二四年十二月三十一日', '2024-12-31'],
    ['二〇二四年十月九日', '2024-10-09'],
    ['二〇二四年十一月二十九日', '2024-11-29'],
    ['2024年5月8日', '2024-05-08'],
    ['2024年05月08日', '2024-05-08'],
    ['2024 年 5 月 8 日', '2024-05-08'],
    ['2024年2月29日', '2024-02-29'],
  ])('%s → %s', (text, iso) => {
    expect(parseDate(text)).toBe(iso);
  });

  test.each(['2025年2月29日', '2024年13月1日', '二〇二四年二十月一日', '二〇二四年二月三十日', '2024年5月8日印发', '24年5月8日', '二〇二四年三月'])('%s is not a date', (text) => {
    expect(parseDate(text)).toBeUndefined();
  });

  test('Chinese numerals 1-99', () => {
    expect([chineseSmallNumber('十'), chineseSmallNumber('十一'), chineseSmallNumber('二十'), chineseSmallNumber('三十一'), chineseSmallNumber('九')]).toEqual([10, 11, 20, 31, 9]);
    expect([chineseSmallNumber('十十'), chineseSmallNumber('二二'), chineseSmallNumber('')]).toEqual([undefined, undefined, undefined]);
  });

  test('成文日期 and 印发日期 in Chinese numerals, as written and as YYYY-MM-DD', () => {
    const r = importDocument([TITLE, '各区人民政府：', '正文。', '江州市人民政府办公室', '二○一五年七月二十日', '抄送：市委办公室。', '江州市人民政府办公室 二〇一五年七月二十一日 印发'].join('\n'));
    expect(r.document.dateWritten).toEqual({ text: '二○一五年七月二十日', date: '2015-07-20' });
    expect(r.document.printingDate).toEqual({ text: '二〇一五年七月二十一日', date: '2015-07-21' });
    expect(r.document.printingAuthority).toBe('江州市人民政府办公室');
  });
});

describe('发文字号', () => {
  test.each([
    ['江府办〔2015〕5号'],
    ['江府办[2015]5号'],
    ['江府办［2015］5号'],
    ['江府办【2015】5号'],
    ['江府办(2015)5号'],
    ['江府办（2015）5号'],
    ['江府办﹝2015﹞5号'],
    ['江府办〔2015〕第5号'],
  ])('%s: kept as written, normalized to 〔〕', (written) => {
    const r = importDocument(doc('江州市人民政府办公室文件', written));
    expect(r.document.documentNumber).toEqual({ text: written, normalized: '江府办〔2015〕5号', agencyCode: '江府办', year: 2015, serial: 5 });
    expect(r.normalized.documentNumber).toBe('江府办〔2015〕5号');
  });

  test('traditional characters: kept, and simplified in the normalized form', () => {
    const r = importDocument(doc('江州市人民政府辦公室文件', '江府辦［2015］37號'));
    expect(r.document.documentNumber).toEqual({ text: '江府辦［2015］37號', normalized: '江府办〔2015〕37号', agencyCode: '江府辦', year: 2015, serial: 37 });
    expect(r.document.issuerMark).toBe('江州市人民政府辦公室文件');
  });

  test('a 字号 cited in the body is not the document\'s own; a 请示 without one has none', () => {
    const text = ['江州市住房和城乡建设局关于申请增设审批窗口的请示', '市人民政府：', '根据《江州市政务服务管理办法》（国办发〔2015〕5号）和江府办〔2024〕18号文件要求，现请示如下。', '妥否，请批示。', '江州市住房和城乡建设局', '2024年10月9日'].join('\n');
    const r = importDocument(text);
    expect(r.document.documentNumber).toBeUndefined();
    expect(r.report.missing).toContain('documentNumber');
    expect(r.document.body).toContain('国办发〔2015〕5号');
  });

  test('under the title, as web pages print it', () => {
    const r = importDocument([TITLE, '江府办〔2024〕18号', ...TAIL].join('\n'));
    expect(r.document.documentNumber?.normalized).toBe('江府办〔2024〕18号');
    expect(r.document.mainRecipients).toEqual(['各区人民政府']);
  });

  test('run together without spaces: 发文机关标志, 字号 and title still apart', () => {
    const r = importDocument(`江州市数据资源管理局文件江数据【2025】3号${TITLE}\n${TAIL.join('\n')}`);
    expect([r.document.issuerMark, r.document.documentNumber?.text, r.document.title]).toEqual(['江州市数据资源管理局文件', '江数据【2025】3号', TITLE]);
  });

  test('签发人 beside the 字号 (upward documents), one or several', () => {
    expect(importDocument(doc('江住建〔2024〕5号 签发人：张三')).document).toMatchObject({ documentNumber: { normalized: '江住建〔2024〕5号' }, signers: ['张三'] });
    expect(importDocument(doc('江住建〔2024〕5号', '签发人： 张三 李四')).document.signers).toEqual(['张三', '李四']);
    expect(importDocument(doc('江住建〔2024〕5号签发人:王小明')).document.signers).toEqual(['王小明']);
  });
});

describe('版头', () => {
  test('份号, 密级 内部, 紧急程度 spaced out', () => {
    const r = importDocument(doc('000123', '内部', '特 急', '江州市人民政府办公室文件', '江府办〔2024〕18号'));
    expect(r.document).toMatchObject({ copyNumber: '000123', secrecy: { text: '内部', level: '内部' }, urgency: { text: '特 急', level: '特急' }, issuerMark: '江州市人民政府办公室文件' });
  });

  test('a title wrapped onto a second line', () => {
    const r = importDocument(['江州市人民政府办公室文件', '江府办〔2024〕18号', '江州市人民政府办公室关于推进政务服务', '事项一网通办的通知', ...TAIL].join('\n'));
    expect(r.document.title).toBe(TITLE);
    expect(r.document.mainRecipients).toEqual(['各区人民政府']);
  });

  test('文种 from the title: 令 is 命令, traditional 請示 is 请示', () => {
    expect(importDocument(['中华人民共和国国务院令', '第100号', '《XX条例》已经国务院常务会议通过，现予公布。'].join('\n')).document.kind).toBe('命令');
    expect(importDocument(['某局關於某事的請示', '市人民政府：', '妥否，請批示。'].join('\n')).document.kind).toBe('请示');
  });
});

describe('主送机关', () => {
  test('split on 、 and ，, never inside parentheses', () => {
    const r = importDocument([TITLE, '各县（市、区）人民政府，市直各单位、各有关企业：', '正文。', '江州市人民政府办公室', '2024年5月8日'].join('\n'));
    expect(r.document.mainRecipients).toEqual(['各县（市、区）人民政府', '市直各单位', '各有关企业']);
  });

  test('spaces after the commas (run-together text)', () => {
    const r = importDocument(`${TITLE} 各区人民政府， 市政府各部门： 现就有关事项通知如下。 江州市人民政府办公室 2024年5月8日`);
    expect(r.document.mainRecipients).toEqual(['各区人民政府', '市政府各部门']);
    expect(r.document.body).toBe('现就有关事项通知如下。');
  });

  test('a first body sentence ending in a colon is not a 主送', () => {
    for (const first of ['现将有关事项公告如下：', '根据《江州市政务数据共享管理办法》规定：']) {
      const r = importDocument(['江州市人民政府公告', first, '一、……。', '江州市人民政府', '2024年5月8日'].join('\n'));
      expect({ first, recipients: r.document.mainRecipients }).toEqual({ first, recipients: undefined });
      expect(r.document.body?.startsWith(first)).toBe(true);
    }
  });
});

describe('主体 end and 版记', () => {
  test('joint issuing authorities; an organ and its date on one line', () => {
    expect(importDocument([TITLE, '各区人民政府：', '正文。', '江州市财政局', '江州市税务局', '2024年5月8日'].join('\n')).document.issuingAuthorities).toEqual(['江州市财政局', '江州市税务局']);
    const r = importDocument([TITLE, '各区人民政府：', '正文。', '江州市数据资源管理局2025年2月18日'].join('\n'));
    expect([r.document.issuingAuthorities, r.document.dateWritten]).toEqual([['江州市数据资源管理局'], { text: '2025年2月18日', date: '2025-02-18' }]);
  });

  test('a text with neither title nor 署名 gets neither: nothing is invented', () => {
    const r = importDocument('特此通知。');
    expect(r.document).toEqual({ body: '特此通知。' });
    expect(r.report.found).toEqual(['body']);
    expect(importDocument('').report.found).toEqual([]);
    expect(importDocument('  \n\n ').document).toEqual({});
  });
});

describe('web-page noise', () => {
  test('a breadcrumb, counters and print links on the document\'s own line are dropped, the document parsed', () => {
    const r = importDocument(`首页 > 政务公开 > 通知公告 【字体：大 中 小】 打印本页 浏览次数：12 ${TITLE} 各区人民政府： 现就有关事项通知如下。 江州市人民政府办公室 2024年5月8日`);
    expect(r.document.title).toBe(TITLE);
    expect(r.document.mainRecipients).toEqual(['各区人民政府']);
    expect(r.report.ignored).toEqual(expect.arrayContaining(['首页', '>', '通知公告', '打印本页', '浏览次数：12']));
  });

  test('"上一篇" links to other documents are not this document\'s title', () => {
    const r = importDocument(['上一篇：关于做好2024年度政务服务工作的通知', '正文。'].join('\n'));
    expect(r.document.title).toBeUndefined();
  });
});

describe('classification marks (密级)', () => {
  test.each(['机密', '機密', '秘密★1年', '祕密★6个月', '绝密★长期', '絕密★長期', '机密★5年', '机 密 ★ 5年', '秘密 1年', '机密★启用前', '密级：机密', '密級：秘密★10年', '机密＊3年'])('%s is refused', (mark) => {
    expect(codeOf(() => importDocument(doc(mark, '江州市人民政府办公室文件', '江府办〔2024〕18号')))).toBe('GW_ERR_DOCUMENT_CLASSIFIED');
  });

  test('a mark after the 字号, or labelled in a page\'s metadata lines, is refused too', () => {
    expect(codeOf(() => importDocument(doc('江府办〔2024〕18号', '秘密★1年')))).toBe('GW_ERR_DOCUMENT_CLASSIFIED');
    expect(codeOf(() => importDocument(`${doc()}\n索引号：000014349/2024-00012\n密级：秘密`))).toBe('GW_ERR_DOCUMENT_CLASSIFIED');
  });

  test.each(['内部', '公开'])('%s is not classified', (mark) => {
    expect(importDocument(doc(mark)).document.secrecy).toEqual({ text: mark, level: mark });
  });

  test('the words in a sentence are not a mark', () => {
    const r = importDocument([TITLE, '各区人民政府：', '各单位要严格保守国家秘密和工作秘密，机密事项按规定办理。', '江州市人民政府办公室', '2024年5月8日'].join('\n'));
    expect(r.document.secrecy).toBeUndefined();
    expect(parseSecrecyMark('秘密文件管理办法')).toBeUndefined();
  });

  test('an official-document payload from another way in', () => {
    expect(codeOf(() => refuseClassifiedPayload({ secrecy: { text: '機密★1年', level: '内部' } }))).toBe('GW_ERR_DOCUMENT_CLASSIFIED');
    expect(codeOf(() => refuseClassifiedPayload({ secrecy: { text: 'x', level: '机密（绝密期限内）' } }))).toBe('GW_ERR_DOCUMENT_CLASSIFIED');
    expect(codeOf(() => refuseClassifiedPayload({ secrecy: { text: '内部', level: '内部' } }))).toBeUndefined();
    expect(codeOf(() => refuseClassifiedPayload({ title: 'x' }))).toBeUndefined();
    expect(codeOf(() => refuseClassifiedPayload(null))).toBeUndefined();
  });
});

describe('traditional input', () => {
  test('matched through the simplified form, kept as written', () => {
    const r = importDocument(['江州市人民政府辦公室文件', '江府辦〔2024〕18號', '江州市人民政府辦公室關於推進政務服務事項一網通辦的通知', '各區人民政府，市政府各部門：', '現就有關事項通知如下。', '附件：1.事項清單', '江州市人民政府辦公室', '二〇二四年五月八日', '抄送：市委辦公室。', '江州市人民政府辦公室秘書處2024年5月9日印發'].join('\n'));
    expect(r.report.found).toEqual(['issuerMark', 'documentNumber', 'title', 'kind', 'mainRecipients', 'body', 'attachmentNote', 'issuingAuthorities', 'dateWritten', 'copyTo', 'printingAuthority', 'printingDate']);
    expect(r.document.mainRecipients).toEqual(['各區人民政府', '市政府各部門']);
    expect(r.normalized.mainRecipients).toEqual(['各区人民政府', '市政府各部门']);
    expect(r.document.copyTo).toEqual(['市委辦公室']);
    expect(r.document.printingAuthority).toBe('江州市人民政府辦公室秘書處');
  });

  test('the matching form has the offsets of the original', () => {
    const s = '關於「一窗受理」的請示：（聯繫人）ＡＢＣ　１２３';
    expect(matchingForm(s)).toBe('关于「一窗受理」的请示:(联系人)ABC 123');
    expect(toSimplified('𠀀丟').length).toBe('𠀀丟'.length);
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 500 }), fc.string({ unit: 'binary', maxLength: 500 })), (text) => matchingForm(text).length === text.length), { numRuns: 300 });
  });
});

describe('text encodings: UTF-8 or GBK, strictly', () => {
  const text = `${TITLE}\n各区人民政府：`;
  test('UTF-8, with or without BOM; GBK', () => {
    expect(decodeDocumentText(Buffer.from(text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeDocumentText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeDocumentText(iconv.encode(text, 'gbk'))).toEqual({ text, encoding: 'gbk' });
    expect(decodeDeclared(iconv.encode(text, 'gbk'), 'GBK')).toBe(text);
    expect(decodeDeclared(Buffer.from(text), 'latin1')).toBeUndefined();
  });
  test('neither → GW_ERR_DOCUMENT_ENCODING, never U+FFFD', () => {
    expect(codeOf(() => decodeDocumentText(Buffer.from([0xe6, 0xb1, 0x9f, 0x81, 0x20, 0xff])))).toBe('GW_ERR_DOCUMENT_ENCODING');
    expect(codeOf(() => decodeDeclared(iconv.encode(text, 'gbk'), 'utf-8'))).toBe('GW_ERR_DOCUMENT_ENCODING');
  });
});
