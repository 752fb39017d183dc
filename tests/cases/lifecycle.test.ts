import { BRANCH_LIFECYCLE, branchEventOf, caseStatusOf } from '../../gateway/cases/lifecycle';
import { GatewayError } from '../../gateway/errors';

describe('the 办件 branch lifecycle and the 并联审批 join', () => {
  test('a department approves after 补正 only once the applicant supplied', () => {
    expect(BRANCH_LIFECYCLE.walk(['open', 'progress', 'request_correction', 'progress', 'approve'])).toBe('completed');
    expect(() => BRANCH_LIFECYCLE.walk(['open', 'request_correction', 'approve'])).toThrow(GatewayError);
    try {
      BRANCH_LIFECYCLE.next('refused', 'progress', 'C-1/tax');
      throw new Error('not refused');
    } catch (err) {
      expect((err as GatewayError).code).toBe('GW_ERR_CASE_INVALID_TRANSITION');
      expect((err as GatewayError).detail).toBe('the case branch C-1/tax is already refused; nothing follows');
    }
    expect(BRANCH_LIFECYCLE.step('request_correction').clock).toBe('suspend');
    expect(BRANCH_LIFECYCLE.step('progress').clock).toBe('resume');
  });

  test('case-status values map to branch events', () => {
    expect(['accepted', 'in_progress', 'correction', 'returned'].map((s) => branchEventOf(s))).toEqual(['accept', 'progress', 'request_correction', 'return']);
    expect(branchEventOf('completed', 'approved')).toBe('approve');
    expect(branchEventOf('completed', 'denied')).toBe('deny');
  });

  test('the case completes when every required branch does; one refusal ends it; 补正 anywhere shows', () => {
    const b = (status: any, required = true) => ({ status, required });
    expect(caseStatusOf([b('completed'), b('in_progress')])).toBe('in_progress');
    expect(caseStatusOf([b('completed'), b('completed')])).toBe('completed');
    expect(caseStatusOf([b('completed'), b('accepted', false)])).toBe('completed');
    expect(caseStatusOf([b('refused'), b('in_progress')])).toBe('refused');
    expect(caseStatusOf([b('completed'), b('returned')])).toBe('returned');
    expect(caseStatusOf([b('correction'), b('completed')])).toBe('correction');
    expect(caseStatusOf([b('accepted'), b('accepted')])).toBe('accepted');
  });
});
