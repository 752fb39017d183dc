import { restAdapter } from '../rest/rest-adapter';

/** The hall platform (政务服务大厅): case records out, status events back, as JSON (webhook push or inbox pull). */
export const hallRest = restAdapter({ name: 'hall-rest', version: '1.0.0', title: '政务服务大厅平台 (JSON)', delivers: ['case-status', 'case-record'] });
