/**
 * Every sample 公文 in ../shared/samples imports with every element it holds, each with its
 * value read off the sample by eye, and nothing else (no element invented). The samples
 * are read-only fixtures shared by the project (in CI at ../shared/samples of the repo root).
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../gateway/schemas/paths';
import { schemasDir } from '../../gateway/schemas/paths';
import { SchemaRegistry } from '../../gateway/schemas/registry';
import { importDocument } from '../../gateway/documents/importer';
import { ELEMENTS, type OfficialDocument } from '../../gateway/documents/model';

const samplesDir = path.join(projectRoot(), '..', 'shared', 'samples');
const sample = (name: string) => fs.readFileSync(path.join(samplesDir, name), 'utf8');

const expected: Record<string, OfficialDocument> = {
  'letter-simplified.txt': {
    issuerMark: '江州市市场监督管理局',
    documentNumber: { text: '江市监函〔2024〕7号', normalized: '江市监函〔2024〕7号', agencyCode: '江市监函', year: 2024, serial: 7 },
    title: '江州市市场监督管理局关于商请共享企业登记信息的函',
    kind: '函',
    mainRecipients: ['江州市税务局'],
    body: '为落实“一次录入、各部门共享”要求,我局拟通过市数据交换网关向贵局推送新设立企业登记信息,请予支持。\n特此函达。',
    issuingAuthorities: ['江州市市场监督管理局'],
    dateWritten: { text: '二〇二四年三月十二日', date: '2024-03-12' },
  },
  'notice-simplified.txt': {
    urgency: { text: '特急', level: '特急' },
    issuerMark: '江州市人民政府办公室文件',
    documentNumber: { text: '江府办〔2024〕18号', normalized: '江府办〔2024〕18号', agencyCode: '江府办', year: 2024, serial: 18 },
    title: '江州市人民政府办公室关于推进政务服务事项一网通办的通知',
    kind: '通知',
    mainRecipients: ['各区人民政府', '市政府各部门', '各直属机构'],
    body:
      '为深化“一门受理、联合办理”改革,经市人民政府同意,现就有关事项通知如下。\n' +
      '一、各部门应于2024年6月30日前完成本部门政务服务事项与市政务服务大厅综合受理平台的数据对接。\n' +
      '二、垂直管理部门应通过市数据交换网关与大厅平台交换办件信息。',
    attachmentNote: {
      text: '附件:1.江州市政务服务事项清单\n2.数据对接技术要求',
      items: [
        { number: 1, name: '江州市政务服务事项清单' },
        { number: 2, name: '数据对接技术要求' },
      ],
    },
    issuingAuthorities: ['江州市人民政府办公室'],
    dateWritten: { text: '2024年5月8日', date: '2024-05-08' },
    note: '此件公开发布',
    copyTo: ['市委办公室', '市人大常委会办公室', '市政协办公室'],
    printingAuthority: '江州市人民政府办公室秘书处',
    printingDate: { text: '2024年5月9日', date: '2024-05-09' },
  },
  'notice-brackets-runtogether.txt': {
    issuerMark: '江州市数据资源管理局文件',
    // 【】 in the text, 〔〕 in the normalized form
    documentNumber: { text: '江数据【2025】3号', normalized: '江数据〔2025〕3号', agencyCode: '江数据', year: 2025, serial: 3 },
    title: '江州市数据资源管理局关于开展政务数据共享质量检查的通知',
    kind: '通知',
    mainRecipients: ['各县（区）数据资源管理部门', '市直各单位'],
    // the 江府〔2023〕12号 cited in the body is not the document's own 字号
    body:
      '根据《江州市政务数据共享管理办法》（江府〔2023〕12号）规定，决定于2025年3月开展政务数据共享质量检查，现将有关事项通知如下。 ' +
      '一、检查范围：通过市数据交换网关共享的办件信息和电子证照。 二、时间安排：2025年3月1日至3月31日。',
    issuingAuthorities: ['江州市数据资源管理局'],
    dateWritten: { text: '2025年2月18日', date: '2025-02-18' },
    copyTo: ['市人民政府办公室'],
    printingAuthority: '江州市数据资源管理局办公室',
    printingDate: { text: '2025年2月19日', date: '2025-02-19' },
  },
  // A 请示 from a web page: no 发文机关标志, no 字号, no 签发人 — none invented; the page's noise is left out.
  'request-traditional-webpage.txt': {
    title: '江州市住房和城鄉建設局關於申請增設工程建設項目審批服務窗口的請示',
    kind: '请示',
    mainRecipients: ['市人民政府'],
    body:
      '為落實工程建設項目審批制度改革要求,縮短審批時限,我局擬在市政務服務大廳增設工程建設項目審批綜合窗口,實行「一窗受理、並聯審批」。現將有關事項請示如下:\n' +
      '一、窗口設置。在大廳二樓設綜合受理窗口4個。\n' +
      '二、人員安排。由我局選派業務骨幹6名進駐。\n' +
      '妥否,請批示。',
    attachmentNote: { text: '附件:工程建設項目審批綜合窗口設置方案', items: [{ name: '工程建設項目審批綜合窗口設置方案' }] },
    issuingAuthorities: ['江州市住房和城鄉建設局'],
    dateWritten: { text: '二〇二四年十月九日', date: '2024-10-09' },
    note: '聯繫人:李明,電話:0791-88888888',
  },
};

const order = ELEMENTS.map((e) => e.element);

test('the samples are all here and all covered', () => {
  expect(fs.readdirSync(samplesDir).sort()).toEqual(Object.keys(expected).sort());
});

describe.each(Object.keys(expected))('%s', (name) => {
  const result = () => importDocument(sample(name));

  test('every element it holds, with its value, and nothing else', () => {
    expect(result().document).toEqual(expected[name]);
  });

  test('the report names exactly the found elements, in GB/T 9704 order; the rest missing', () => {
    const { report } = result();
    const found = order.filter((e) => expected[name]![e] !== undefined);
    expect(report.found).toEqual(found);
    expect(report.missing).toEqual(order.filter((e) => !found.includes(e)));
  });

  test('the document is valid against schemas/official-document.schema.json', async () => {
    const registry = await SchemaRegistry.load(schemasDir());
    expect(registry.validate('official-document', result().document)).toEqual({ ok: true });
  });
});

test('the traditional sample: simplified forms for search, original text kept, web-page noise reported as ignored', () => {
  const { document, normalized, report } = importDocument(sample('request-traditional-webpage.txt'));
  expect(normalized.title).toBe('江州市住房和城乡建设局关于申请增设工程建设项目审批服务窗口的请示');
  expect(normalized.issuingAuthorities).toEqual(['江州市住房和城乡建设局']);
  expect(normalized.body).toMatch(/^为落实工程建设项目审批制度改革要求/);
  expect(document.title).toMatch(/關於/);
  expect(report.ignored).toEqual(['首頁 > 政務公開 > 通知公告', '【字體:大 中 小】 打印本頁 關閉窗口', '瀏覽次數:1024', '上一篇:關於做好2024年度政務服務工作的通知', '下一篇:無']);
});

test('the run-together sample: 字号 normalized to 〔〕 for search', () => {
  expect(importDocument(sample('notice-brackets-runtogether.txt')).normalized.documentNumber).toBe('江数据〔2025〕3号');
});
