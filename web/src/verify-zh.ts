/**
 * The verifier's check lines in Chinese (证据核验): each line says what it checked as stable
 * codes with their values (`said`, gateway/audit/report.ts); here each code has its Chinese
 * sentence. A line with a code not listed here (or without codes) is shown as its English text.
 */
type Params = Record<string, string | number>;
export interface Phrase { code: string; params?: Params }
export interface VerifyLine { subject: string; text: string; said?: Phrase[] }

const ROLE: Record<string, string> = { sender: '发送方', gateway: '网关', log: '日志', acknowledgement: '签收回执' };
const who = (p: Params) => ROLE[String(p.who)] ?? String(p.who);
const signature = (p: Params) => `${ROLE[String(p.role)] ?? p.role}签名（${p.alg}${p.leaf !== undefined ? `，批量签名叶子 #${p.leaf}` : ''}，签署方 ${p.signer}）`;

const ZH: Record<string, (p: Params) => string> = {
  'bundle.format': (p) => `格式 ${p.format}，办件 ${p.caseId}，生成于 ${p.createdAt}`,
  'anchor.pinned-same': () => '固定的根证书即证据包所指明的根证书',
  'anchor.pinned-other': () => '证据包指明了另一根证书；所有证书链只按固定的根证书核验',
  'certificate.listed': (p) => `证书指纹与内容一致（${p.subject}）`,
  'checkpoint.signature': (p) => `检查点正文的 ${p.alg} 签名经日志证书 ${p.fp}（${p.subject}）验证通过`,
  'checkpoint.signature-invalid': (p) => `检查点正文的 ${p.alg} 签名无法用日志证书 ${p.fp} 验证：正文或签名已被篡改`,
  'checkpoint.tree': (p) => `日志树共 ${p.size} 条记录，根哈希 ${p.root}，签署于 ${p.at}`,
  'chain.ok': (p) => `${who(p)}证书 ${p.fp} 在 ${p.at} 可链接到信任根（${p.certificates} 张证书${Number(p.crls) ? `，已查 ${p.crls} 份吊销列表` : ''}${p.revokedLater ? `；其后于 ${p.revokedLater} 吊销` : ''}）`,
  'chain.broken': (p) => `${who(p)}证书 ${p.fp} 在 ${p.at} 无法链接到信任根：${p.reason}`,
  'chain.revoked-before': (p) => `${who(p)}证书 ${p.fp} 已于 ${p.revoked} 吊销（网关登记），早于签名时间 ${p.at}`,
  'note.same-tree': (p) => `签名注记（来源 ${p.origin}，大小 ${p.size}）与已签名检查点是同一棵日志树`,
  'note.other-tree': (p) => `签名注记（大小 ${p.size}，根哈希 ${p.root}）不是已签名的检查点`,
  'note.signed': (p) => `由日志的注记密钥 ${p.key} 签署（证据包所附）`,
  'note.unsigned': (p) => `没有证据包所附注记密钥 ${p.key} 的签名`,
  'witness.cosigned': (p) => `见证方已于 ${p.at} 以密钥 ${p.keyId} 联署（tlog-cosignature/v1）`,
  'witness.missing': () => '检查点上没有该见证方密钥的联署：见证方未见到（或拒绝了）这棵日志树',
  'entry.included': (p) => `叶子哈希一致；已包含在检查点的日志树中（${p.proofHashes} 个证明哈希）`,
  'entry.leaf-hash': () => '叶子哈希 ≠ H(0x00 ‖ 记录)：记录内容或其叶子哈希已被篡改',
  'entry.no-checkpoint': () => '没有可读的检查点来证明包含关系',
  'entry.not-included': (p) => `包含证明无法从序号 ${p.index} 的这条记录推导到检查点根哈希`,
  'entry.twice': () => '该序号在证据包中出现了两次',
  'entry.not-json': () => '记录内容不是 JSON 对象',
  'entry.not-canonical': () => '记录内容不是规范化 JSON',
  'entry.unknown-kind': (p) => `未知的记录类型 ${p.kind}`,
  'entry.other-case': (p) => `该记录属于办件 ${p.caseId}，而非 ${p.bundleCase}`,
  'entry.after-checkpoint': (p) => `记录时间 ${p.at} 不早于检查点`,
  'payload.digest': (p) => `报文载荷的 ${p.alg} 摘要 ${p.digest} 与信封头中的载荷摘要一致`,
  'payload.digest-differs': (p) => `报文载荷的 ${p.alg} 摘要与信封头中的载荷摘要不一致：载荷或信封头已被篡改`,
  'payload.canonical-differs': () => 'payloadCanonical 不是载荷的规范化 JSON：二者之一已被篡改',
  'payload.not-canonical': (p) => `载荷无法规范化：${p.reason}`,
  'payload.dropped': (p) => `载荷已按保存期限策略于 ${p.at} 删除，内容无法核验；已签名的信封头以 ${p.alg} 摘要 ${p.digest} 指明它`,
  'signature.ok': (p) => `${signature(p)}经证书 ${p.fp}（${p.subject}）验证通过`,
  'signature.ok-on-behalf': (p) => `${signature(p)}经证书 ${p.fp}（${p.subject}）验证通过，由网关代该部门签署`,
  'signature.invalid': (p) => `${signature(p)}无法用证书 ${p.fp} 对规范化信封头验证：信封头或签名已被篡改`,
  'signature.no-sender': () => '信封没有发送方签名',
  'signature.not-sender': (p) => `${signature(p)}：签署方不是发送方 ${p.sender}`,
  'signature.no-certificate': (p) => `${signature(p)}：证书 ${p.fp} 不在证据包中（或未以其自身指纹列出）`,
  'signature.other-holder': (p) => `${signature(p)}验证通过，但证书 ${p.fp} 颁发给 ${p.subject}，而非发送方 ${p.sender}`,
  'received.none': () => '证据包中没有本报文的“网关接收”日志记录：该记录被删除，或本报文不属于此证据包',
  'received.many': (p) => `被记录接收了 ${p.count} 次（记录 ${p.entries}）`,
  'message.twice': () => '本报文在证据包中出现了两次',
  'received.ok': (p) => `日志记录 #${p.index}（网关接收，${p.at}）指明本报文、其载荷摘要和信封摘要 ${p.digest}`,
  'ack.ok': (p) => `${p.receiver} 的签收回执（${p.result === 'rejected' ? '拒收' : '签收'}${p.reason ? `：${p.reason}` : ''}）经证书 ${p.fp} 验证通过`,
  'ack.logged': (p) => `日志记录 #${p.index}（${p.kind === 'message.rejected' ? '接收方拒收' : '接收方确认'}，${p.at}）指明该回执的 sha256 ${p.digest}`,
  'receipt.ok': (p) => `推送回执（202）由 ${p.signer}（${p.alg}）签署，指明载荷摘要和日志记录 #${p.index}`,
  'texts.ok': () => '签名原文与信封头、信封、回执和签收回执的规范化形式完全一致',
  'texts.differ': (p) => `${p.names} 与所解析对象的规范化形式不一致`,
  'step.ok': (p) => `→ 报文 ${p.id}（${p.from} → ${p.to}），${p.at}`,
  'step.card': (p) => `${p.department} 办理环节的${p.colour === 'red' ? '红牌' : p.colour === 'yellow' ? '黄牌' : String(p.colour)}（${p.card}），期限 ${p.dueOn}：电子监察记录，非报文步骤`,
  'call.ok': (p) => `服务调用 ${p.id}（${p.provider} 的 ${p.service}）：${p.checked} 与日志记录的摘要一致`,
};

/** The line in Chinese when every statement of it has a Chinese sentence; else its English text. */
export function lineText(l: VerifyLine): string {
  const said = l.said ?? [];
  if (!said.length || said.some((s) => !ZH[s.code])) return l.text;
  return said.map((s) => ZH[s.code]!(s.params ?? {})).join('；');
}

const KIND: Record<string, string> = {
  'message.received': '网关接收',
  'message.delivered': '已投递',
  'message.acknowledged': '接收方确认',
  'message.rejected': '接收方拒收',
  'message.dead_lettered': '转入死信',
  'message.replayed': '重新投递',
  'message.delivery_failed': '投递失败',
  'service.called': '服务调用',
  'supervision.card_raised': '电子监察亮牌',
};

/** What a line is about, in Chinese: "entry #12 (message.received)" → 日志记录 #12（网关接收）. */
export function subjectText(subject: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^entry #(\d+) \((.+)\)$/.exec(subject))) return `日志记录 #${m[1]}（${KIND[m[2]!] ?? m[2]}）`;
  if ((m = /^message (\S+) \((.+)\)$/.exec(subject))) return `报文 ${m[1]}（${m[2]}）`;
  if ((m = /^certificate (.+)$/.exec(subject))) return `证书 ${m[1]}`;
  if ((m = /^call (.+)$/.exec(subject))) return `服务调用 ${m[1]}`;
  if ((m = /^witness (.+)$/.exec(subject))) return `见证方 ${m[1]}`;
  const fixed: Record<string, string> = { checkpoint: '签名检查点', 'checkpoint note': '检查点签名注记', format: '证据包格式', 'trust anchor': '信任根', structure: '证据包结构', verifier: '核验程序' };
  return fixed[subject] ?? subject;
}
