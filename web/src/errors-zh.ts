/** problem+json codes (gateway/errors.ts) as the console says them to Chinese users. */
const ZH: Record<string, string> = {
  GW_ERR_AUTH_BAD_CREDENTIALS: '用户名或密码错误',
  GW_ERR_AUTH_RATE_LIMITED: '登录失败次数过多，请稍后再试',
  GW_ERR_AUTH_MISSING_TOKEN: '请先登录',
  GW_ERR_AUTH_INVALID_TOKEN: '登录已过期或已退出，请重新登录',
  GW_ERR_AUTH_FORBIDDEN: '您的角色无权执行此操作',
  GW_ERR_AUTH_CSRF: '请求缺少安全校验令牌（CSRF），请刷新页面后重试',
  GW_ERR_RATE_LIMITED: '请求过于频繁，请稍后再试',
  GW_ERR_REQUEST_INVALID: '请求参数不正确',
  GW_ERR_LIST_BAD_CURSOR: '分页参数无效，请重新查询',
  GW_ERR_HTTP_NOT_FOUND: '接口不存在',
  GW_ERR_AUDIT_CASE_NOT_FOUND: '未找到该办件的记录',
  GW_ERR_AUDIT_LOG_BEHIND: '日志尚未签署到最新位置，请稍后重试',
  GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND: '未找到该报文（或无权查看）',
  GW_ERR_EXCHANGE_NOT_RECEIVER: '只有接收方可以确认该报文',
  GW_ERR_EXCHANGE_INVALID_TRANSITION: '报文当前状态不允许此操作',
  GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED: '该报文已确认或已拒收',
  GW_ERR_DOCUMENT_NOT_FOUND: '未找到该公文（或无权查看）',
  GW_ERR_DOCUMENT_NOT_PARTY: '本单位不是该公文的发文或收文单位',
  GW_ERR_DOCUMENT_INVALID_TRANSITION: '公文当前状态不允许此办理步骤',
  GW_ERR_DOCUMENT_DUPLICATE_CONFLICT: '该请求已以不同内容提交过',
  GW_ERR_DOCUMENT_CLASSIFIED: '涉密公文不得通过本网关传输',
  GW_ERR_STATION_PACKAGE_REFUSED: '交换包验证未通过（签名或电子印章无效，或无法作为收文），未予接收',
  GW_ERR_DOCUMENT_ATTACHMENT_TOO_LARGE: '附件超过大小限制',
  GW_ERR_DOCUMENT_ATTACHMENT_NOT_FOUND: '未找到该附件',
  GW_ERR_SCHEMA_INVALID: '公文要素不符合规范，请检查后重试',
  GW_ERR_LOG_NOT_FOUND: '日志中没有该记录（可能尚未签署检查点）',
  GW_ERR_REGISTRY_INVALID: '登记信息不符合要求',
  GW_ERR_REGISTRY_UNKNOWN_MEMBER: '没有该成员单位（收文单位不存在）',
  GW_ERR_REGISTRY_NOT_FOUND: '未找到该登记项（系统、令牌、协议、回调地址或用户）',
  GW_ERR_REGISTRY_CONFLICT: '已存在相同编码的登记项',
  GW_ERR_TRUST_CERTIFICATE_INVALID: '签名证书无效、已过期或已吊销（吊销后须轮换签发新证书）',
  GW_ERR_TRUST_CERTIFICATE_STATUS: '证书当前状态不允许此操作（已吊销的证书不能再次吊销；外部 CA 签发的证书须导入新证书）',
  GW_ERR_TRUST_NOT_FOUND: '未找到该证书，或该成员单位没有有效证书',
  GW_ERR_STORE_UNAVAILABLE: '数据库暂时不可用，请稍后再试',
  GW_ERR_OVERLOADED: '网关繁忙，请稍后再试',
  GW_ERR_INTERNAL: '网关内部错误',
};

export const errorText = (code: string | undefined, status: number): string =>
  (code && ZH[code]) || (status === 0 ? '无法连接网关' : `请求失败（HTTP ${status}）`);

/** The gateway's validation messages (Ajv and registry checks) in Chinese; an unknown one is shown as it is. */
const FIELD_ZH: [RegExp, string][] = [
  [/check character does not match/, '校验码不正确（GB 32100），请核对统一社会信用代码'],
  [/must match pattern/, '格式不正确'],
  [/must NOT have fewer than|must NOT have fewer/, '不能为空或过短'],
  [/must NOT have more than/, '过长'],
  [/must have required property '?([^']+)'?/, '缺少必填项'],
  [/must be equal to one of the allowed values/, '取值不在允许范围内'],
  [/must be (string|integer|boolean|object|array)/, '类型不正确'],
  [/is required for a new webhook/, '新建回调地址时必须填写'],
  [/must NOT have duplicate items/, '不能重复'],
];

/** One validation error as `字段：说明`, the field named by `fields` (JSON pointer → Chinese label). */
export function fieldErrorText(e: { pointer: string; message: string }, fields: Record<string, string> = {}): string {
  const name = fields[e.pointer] ?? (e.pointer.replace(/^\//, '') || '请求');
  const zh = FIELD_ZH.find(([re]) => re.test(e.message))?.[1];
  return `${name}：${zh ?? e.message}`;
}
