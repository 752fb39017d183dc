/**
 * A ~2 KB `case-record` (办件) payload for the benchmark. Kept here (not in tests/) because
 * bench/ is compiled without tests/. Identifiers are fictitious but carry correct check
 * characters, so the record passes the strict schema (asserted by the bench before it runs).
 */
import { createHash } from 'node:crypto';
import { usccCheckChar } from '../gateway/schemas/identifiers';
import { SchemaRegistry } from '../gateway/schemas/registry';
import { schemasDir } from '../gateway/schemas/paths';
import { BENCH_PURPOSE, BENCH_RECEIVER } from './seed';

/** GB 11714 organisation code: 8 digits + check char. */
function organisationCode(first8: string): string {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(first8[i]) * w[i]!;
  const c = 11 - (sum % 11);
  return first8 + (c === 10 ? 'X' : c === 11 ? '0' : String(c));
}

/** USCC 9 1 350100 <org code> + check char (企业, 福州市). */
function uscc(prefix2: string, org8: string): string {
  const body = prefix2 + '350100' + organisationCode(org8);
  return body + usccCheckChar(body);
}

const hex = (alg: 'sha256' | 'sm3', s: string) => createHash(alg).update(s, 'utf8').digest('hex');

export function benchCaseRecord(caseNo = 'FZ-ZJ-20260302-000137'): Record<string, unknown> {
  return {
    caseNo,
    matter: { code: `${uscc('11', '00359128')}-XK-0016-01`, name: '建设工程规划许可（房屋建筑工程）', kind: '行政许可' },
    legalLimitDays: 20,
    applicant: {
      type: 'organisation',
      name: '福州榕城示范置业有限公司',
      uscc: uscc('91', '27389641'),
      legalRepresentative: '陈建华',
      contactPhone: '0591-87654321',
    },
    acceptedAt: '2026-03-02T09:30:00+08:00',
    acceptingDepartment: '福州市自然资源和规划局（市行政服务中心窗口）',
    materials: [
      { name: '建设工程规划许可证申请表', copies: 1, form: '原件' },
      { name: '营业执照（副本）', copies: 1, form: '复印件' },
      { name: '法定代表人身份证明书及授权委托书', copies: 1, form: '原件' },
      { name: '不动产权证书（国有建设用地使用权，电子证照）', copies: 1, form: '电子件', digest: { alg: 'sm3', value: hex('sm3', '不动产权证书.ofd') } },
      { name: '建设用地规划许可证及附图', copies: 1, form: '复印件' },
      { name: '建设工程设计方案审查意见及批准的总平面图', copies: 2, form: '电子件', digest: { alg: 'sm3', value: hex('sm3', '总平面图-v3.pdf') } },
      { name: '建筑施工图设计文件（含节能专篇）', copies: 1, form: '电子件', digest: { alg: 'sm3', value: hex('sm3', '施工图-v5.ofd') } },
      { name: '项目备案证明（企业投资项目备案表）', copies: 1, form: '电子件', digest: { alg: 'sha256', value: hex('sha256', '备案表.pdf') } },
    ],
    remarks:
      '申请人于市行政服务中心综合受理窗口提交申请，材料齐全、符合法定形式，予以受理。' +
      '本项目为住宅及配套商业用房，总建筑面积约 86,500 平方米，涉及消防、人防、园林绿化等部门并联审批。' +
      '营业执照、不动产权证书已通过“一网通办”电子证照库核验。',
  };
}

/**
 * The push request body with a unique messageId per request (a string splice, not a
 * JSON.stringify per request), after checking the record against the real schema.
 */
export async function pushBody(runTag: string): Promise<{ bodyFor: (id: string) => string; bytes: number; payloadBytes: number }> {
  const payload = benchCaseRecord();
  const schemas = await SchemaRegistry.load(schemasDir());
  const v = schemas.validate('case-record', payload);
  if (!v.ok) throw new Error(`bench: the generated case record is not a valid case-record: ${JSON.stringify(v.errors)}`);
  const MARK = '\u0000ID\u0000';
  const envelope = { to: BENCH_RECEIVER, type: 'case-record', messageId: MARK, caseId: payload.caseNo, purpose: BENCH_PURPOSE, payload };
  const [head, tail] = JSON.stringify(envelope).split(JSON.stringify(MARK)) as [string, string];
  const bodyFor = (id: string) => `${head}"${id}"${tail}`;
  const sample = bodyFor(`${runTag}-0000000`);
  JSON.parse(sample); // well-formed
  return { bodyFor, bytes: Buffer.byteLength(sample), payloadBytes: Buffer.byteLength(JSON.stringify(payload)) };
}
