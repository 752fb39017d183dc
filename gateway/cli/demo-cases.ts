import type { WorkingCalendar } from '../cases/calendar';
import { idNumberCheckDigit, usccCheckChar } from '../schemas/identifiers';

/**
 * A realistic 办件 history for the demo (`xgw demo generate`): cases accepted at the hall
 * over the past months on working days, sent to one department or, for 并联审批, to two;
 * each department accepts, works, sometimes asks for 补正 (the applicant supplies a few days
 * later) or holds a 特别程序 (hearing, expert review: the clock stops), and decides — mostly in time, some late, a few refused or returned; the newest
 * cases are still open, some already past their due date. Deterministic for a seed. Only
 * the messages: the CLI pushes them through the gateway's exchange API, in this order.
 */
export interface DemoMessage {
  from: string;
  to: string;
  type: 'case-record' | 'case-status';
  purpose: string;
  payload: Record<string, unknown>;
}

interface Matter {
  code: string;
  name: string;
  kind: string;
  limit: number;
  departments: string[];
}

const MATTERS: Matter[] = [
  { code: '350100-ZJ-XK-0012', name: '商品房预售许可', kind: '行政许可', limit: 10, departments: ['housing'] },
  { code: '350100-ZJ-QR-0031', name: '房屋租赁登记备案', kind: '行政确认', limit: 3, departments: ['housing'] },
  { code: '350100-SJ-XK-0003', name: '食品经营许可', kind: '行政许可', limit: 15, departments: ['amr'] },
  { code: '350100-SJ-QR-0101', name: '企业变更登记', kind: '行政确认', limit: 3, departments: ['amr'] },
  { code: '350100-SW-QT-0007', name: '清税证明开具', kind: '其他', limit: 5, departments: ['tax'] },
  { code: '350100-BL-XK-0001', name: '建设工程规划许可（并联审批）', kind: '行政许可', limit: 20, departments: ['housing', 'amr'] },
  { code: '350100-BL-XK-0002', name: '二手房交易登记（并联审批）', kind: '行政许可', limit: 5, departments: ['housing', 'tax'] },
];
const DEPARTMENT_NAMES: Record<string, string> = { housing: '江州市住房和城乡建设局', amr: '江州市市场监督管理局', tax: '国家税务总局江州市税务局' };
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国晓梅志文';
const OFFICERS = ['王立新', '陈思远', '林雅琴', '黄志明', '郑海燕', '吴建华'];
const COMPANIES = ['榕城示范置业有限公司', '闽江餐饮管理有限公司', '江州智造科技有限公司', '海西物流有限公司', '三坊七巷文化传播有限公司'];

/** mulberry32: a small seeded generator (the demo history is the same for the same seed). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

export class DemoCases {
  private readonly rnd: () => number;
  constructor(
    private readonly calendar: WorkingCalendar,
    private readonly today: string,
    seed: number,
  ) {
    this.rnd = seededRandom(seed);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  /** A working day (official calendar where it covers the year, else Monday to Friday). */
  private workday(date: string): boolean {
    if (this.calendar.covers(Number(date.slice(0, 4)))) return this.calendar.isWorkday(date);
    const d = new Date(`${date}T00:00:00Z`).getUTCDay();
    return d !== 0 && d !== 6;
  }

  /** The n-th working day after `date` (n ≥ 1), or `date` itself for n = 0. */
  private afterWorkdays(date: string, n: number): string {
    let d = date;
    for (let k = 0; k < n; ) if (this.workday((d = addDays(d, 1)))) k++;
    return d;
  }

  private personName(): string {
    return this.pick([...SURNAMES]) + this.pick([...GIVEN]) + (this.rnd() < 0.6 ? this.pick([...GIVEN]) : '');
  }

  private applicant(): Record<string, unknown> {
    if (this.rnd() < 0.7) {
      const birth = `19${60 + Math.floor(this.rnd() * 40)}0${1 + Math.floor(this.rnd() * 9)}1${Math.floor(this.rnd() * 9)}`;
      const first17 = `350102${birth}${String(Math.floor(this.rnd() * 1000)).padStart(3, '0')}`;
      return { type: 'person', name: this.personName(), idType: '居民身份证', idNumber: first17 + idNumberCheckDigit(first17), phone: `13${Math.floor(100000000 + this.rnd() * 899999999)}` };
    }
    const body = `91350100${String(Math.floor(this.rnd() * 1e9)).padStart(9, '0')}`;
    return {
      type: 'organisation', name: `江州${this.pick(COMPANIES)}`, uscc: body + usccCheckChar(body),
      legalRepresentative: this.personName(), contactPhone: `0591-8${String(Math.floor(this.rnd() * 1e7)).padStart(7, '0')}`,
    };
  }

  private status(caseNo: string, department: string, status: string, on: string, hour: number, result?: 'approved' | 'denied'): DemoMessage {
    const payload: Record<string, unknown> = {
      caseNo, department: DEPARTMENT_NAMES[department] ?? department, status, officer: this.pick(OFFICERS),
      occurredAt: `${on}T${String(hour).padStart(2, '0')}:${String(Math.floor(this.rnd() * 60)).padStart(2, '0')}:00+08:00`,
      ...(result ? { result } : {}),
    };
    return { from: department, to: 'hall', type: 'case-status', purpose: 'status-feedback', payload };
  }

  /** One case accepted within the last `days` calendar days: its records, then each branch's statuses up to today. */
  next(index: number, days: number): DemoMessage[] {
    const m = this.pick(MATTERS);
    let accepted = addDays(this.today, -Math.floor(this.rnd() * days));
    while (!this.workday(accepted)) accepted = addDays(accepted, -1);
    const caseNo = `JZ-${accepted.replace(/-/g, '')}-${String(index).padStart(6, '0')}`;
    const record = {
      caseNo, matter: { code: m.code, name: m.name, kind: m.kind }, legalLimitDays: m.limit, applicant: this.applicant(),
      acceptedAt: `${accepted}T${String(9 + Math.floor(this.rnd() * 8)).padStart(2, '0')}:${String(Math.floor(this.rnd() * 60)).padStart(2, '0')}:00+08:00`,
      acceptingDepartment: '江州市政务服务大厅', materials: [{ name: '申请表', copies: 1, form: '原件' }, { name: '身份证明材料', copies: 1, form: '复印件' }],
    };
    const purpose = m.departments.length > 1 ? 'parallel-approval' : 'case-handling';
    const out: DemoMessage[] = m.departments.map((to) => ({ from: 'hall', to, type: 'case-record', purpose, payload: { ...record } }));
    const steps: Array<{ on: string; msg: DemoMessage }> = [];
    for (const dept of m.departments) {
      const fate = this.rnd();
      let day = this.afterWorkdays(accepted, 1);
      steps.push({ on: day, msg: this.status(caseNo, dept, 'in_progress', day, 10) });
      let extra = 0;
      // 补正 (the applicant supplies some days later) or, more rarely, 特别程序 (a hearing or expert review of a week or two)
      const pause = this.rnd();
      if (pause < 0.15) {
        const special = pause >= 0.12;
        day = this.afterWorkdays(day, 1 + Math.floor(this.rnd() * Math.max(1, m.limit / 2)));
        steps.push({ on: day, msg: this.status(caseNo, dept, special ? 'special_procedure' : 'correction', day, 11) });
        extra = special ? 7 + Math.floor(this.rnd() * 8) : 2 + Math.floor(this.rnd() * 6);
        day = addDays(day, extra);
        while (!this.workday(day)) day = addDays(day, 1);
        steps.push({ on: day, msg: this.status(caseNo, dept, 'in_progress', day, 9) });
      }
      // most decide within the limit, about one in ten a few days late
      const used = fate < 0.1 ? m.limit + 1 + Math.floor(this.rnd() * 4) : Math.max(1, Math.ceil(this.rnd() * m.limit));
      let end = this.afterWorkdays(accepted, used + extra);
      if (end <= day) end = this.afterWorkdays(day, 1); // never before the branch's last step
      if (fate < 0.05) steps.push({ on: end, msg: this.status(caseNo, dept, 'returned', end, 16) });
      else steps.push({ on: end, msg: this.status(caseNo, dept, 'completed', end, 16, fate < 0.12 ? 'denied' : 'approved') });
    }
    // Only what has happened by today; in the order it happened (departments interleave).
    steps.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
    return [...out, ...steps.filter((s) => s.on <= this.today).map((s) => s.msg)];
  }
}
