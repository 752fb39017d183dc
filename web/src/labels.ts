/** Chinese names for the gateway's enums (message status, log entry kinds, roles, message types). */
export const STATUS: Record<string, string> = {
  received: '已接收',
  queued: '待投递',
  delivered: '已投递',
  acknowledged: '已确认',
  rejected: '已拒收',
  failed: '投递失败',
  dead_lettered: '死信',
};

export const STATUS_TAG: Record<string, 'primary' | 'success' | 'info' | 'warning' | 'danger'> = {
  received: 'info',
  queued: 'warning',
  delivered: 'primary',
  acknowledged: 'success',
  rejected: 'danger',
  failed: 'danger',
  dead_lettered: 'danger',
};

export const EVENT: Record<string, string> = {
  received: '网关接收',
  queued: '进入投递队列',
  delivered: '已投递',
  delivery_failed: '投递失败（将重试）',
  dead_lettered: '转入死信',
  acknowledged: '接收方确认',
  rejected: '接收方拒收',
  replayed: '重新投递（重放）',
  called: '服务调用',
};

/** A log entry kind (message.delivered …) in Chinese. */
export const kindText = (kind: string): string => EVENT[kind.replace(/^(message|service)\./, '')] ?? kind;

export const EVENT_COLOR: Record<string, string> = {
  received: '#409eff',
  delivered: '#409eff',
  acknowledged: '#2e7d32',
  delivery_failed: '#c45656',
  dead_lettered: '#b3261e',
  rejected: '#b3261e',
  replayed: '#b26a00',
};

export const ROLE: Record<string, string> = {
  clerk: '窗口/收发人员',
  signer: '签发人',
  auditor: '审计（电子监察）',
  supervisor: '效能督查',
  admin: '系统管理员',
};

export const TYPE: Record<string, string> = {
  'case-record': '办件信息',
  'case-status': '办理状态',
  'official-document': '公文',
  'document-answer': '公文回执/回退',
};

export const typeText = (t: string): string => (TYPE[t] ? `${TYPE[t]}（${t}）` : t);

/** RFC 3339 → 2026-03-02 09:30:00 in the browser's zone (Asia/Shanghai on clerks' machines). */
export function timeText(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const PURPOSE: Record<string, string> = {
  'case-handling': '办件办理',
  'parallel-approval': '并联审批',
  'status-feedback': '办理状态反馈',
  'document-exchange': '公文交换',
  'document-receipt': '收文答复（回执/回退）',
};

export const purposeText = (p: string): string => (PURPOSE[p] ? `${PURPOSE[p]}（${p}）` : p);

/** 办件 (case) statuses and timeline events (gateway/cases/lifecycle.ts) in Chinese. */
export const CASE_STATUS: Record<string, string> = {
  accepted: '已受理',
  in_progress: '办理中',
  correction: '补正中（暂停计时）',
  special_procedure: '特别程序（暂停计时）',
  completed: '已办结（准予）',
  refused: '不予许可',
  returned: '已退回',
};

export const CASE_STATUS_TAG: Record<string, 'primary' | 'success' | 'info' | 'warning' | 'danger'> = {
  accepted: 'info',
  in_progress: 'primary',
  correction: 'warning',
  special_procedure: 'warning',
  completed: 'success',
  refused: 'danger',
  returned: 'info',
};

export const CASE_EVENT: Record<string, string> = {
  record: '收件（办件信息推送）',
  accept: '受理',
  progress: '承办',
  request_correction: '要求补正',
  start_special_procedure: '启动特别程序（听证、鉴定、专家评审等）',
  approve: '办结 · 准予',
  deny: '办结 · 不予',
  return: '退回',
  service_call: '共享查询',
};

/** A rate 0..1 as a percentage with one decimal; "—" when there is nothing to divide. */
export const percent = (rate: number | null | undefined): string => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`);

/** An agency connection's circuit breaker (GET /admin/adapters) in Chinese, with its tag colour. */
export const CIRCUIT: Record<string, { text: string; tag: 'success' | 'warning' | 'danger' }> = {
  closed: { text: '正常（闭合）', tag: 'success' },
  'half-open': { text: '试探中（半开）', tag: 'warning' },
  open: { text: '已熔断（断开）', tag: 'danger' },
};

/** A receiver's push deliveries (GET /admin/adapters → delivery.state). */
export const DELIVERY_STATE: Record<string, { text: string; tag: 'success' | 'warning' | 'danger' | 'info' }> = {
  running: { text: '投递正常', tag: 'success' },
  open: { text: '投递熔断', tag: 'danger' },
  paused: { text: '已暂停投递', tag: 'warning' },
};
