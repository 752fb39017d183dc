/** The demo history (gateway/cli/demo-cases.ts): schema-valid, deterministic per seed, in causal order, nothing after today. */
import { DemoCases } from '../../gateway/cli/demo-cases';
import { WorkingCalendar } from '../../gateway/cases/calendar';
import { SchemaRegistry } from '../../gateway/schemas/registry';
import { schemasDir } from '../../gateway/schemas/paths';

const calendar = new WorkingCalendar();
const history = (seed: number, n = 300) => {
  const g = new DemoCases(calendar, '2026-10-20', seed);
  return Array.from({ length: n }, (_, i) => g.next(i + 1, 120));
};

test('every message is valid for its type; records first, then statuses, none after today', async () => {
  const schemas = await SchemaRegistry.load(schemasDir());
  const cases = history(1);
  for (const messages of cases) {
    for (const m of messages) {
      const v = schemas.validate(m.type, m.payload);
      expect({ m, errors: v.ok ? [] : v.errors }).toEqual({ m, errors: [] });
    }
    const firstStatus = messages.findIndex((m) => m.type === 'case-status');
    expect(messages.slice(firstStatus < 0 ? messages.length : firstStatus).every((m) => m.type === 'case-status')).toBe(true);
    const times = messages.filter((m) => m.type === 'case-status').map((m) => String(m.payload.occurredAt));
    expect(times.every((t) => t.slice(0, 10) <= '2026-10-20')).toBe(true);
    expect([...times].sort((a, b) => a.slice(0, 10).localeCompare(b.slice(0, 10)))).toEqual(times);
  }
  const records = cases.map((c) => c.filter((m) => m.type === 'case-record').length);
  expect(records.filter((n) => n === 2).length).toBeGreaterThan(30); // 并联审批
  const outcomes = cases.flat().map((m) => `${m.payload.status ?? ''}/${m.payload.result ?? ''}`);
  for (const o of ['completed/approved', 'completed/denied', 'returned/', 'correction/', 'special_procedure/']) expect(outcomes).toContain(o);
  expect(cases.filter((c) => !c.some((m) => m.payload.status === 'completed' || m.payload.status === 'returned')).length).toBeGreaterThan(5); // still open
});

test('the same seed gives the same history, another seed another', () => {
  expect(history(7, 50)).toEqual(history(7, 50));
  expect(history(8, 50)).not.toEqual(history(7, 50));
});
