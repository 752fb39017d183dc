import { restAdapter } from '../rest/rest-adapter';

/**
 * A municipal department's own system (市直部门) speaking our JSON. Departments of
 * this kind are data: a member row with adapter dept-rest, its delivery mode and
 * webhook URL; no code.
 */
export const deptRest = restAdapter({ name: 'dept-rest', version: '1.0.0', title: '市直部门业务系统 (JSON)', delivers: ['case-record', 'case-status'] });
