/**
 * The verifier's check lines in Chinese (证据核验): each line says what it checked as stable
 * codes with their values (`said`, gateway/audit/report.ts); here each code has its Chinese
 * sentence. The table is typed by the verifier's list of codes (PHRASE_CODES): a code without
 * a sentence here does not compile. A code the console does not know (a newer gateway) shows the English text.
 */
import type { PhraseCode } from '../../gateway/audit/report';

type Params = Record<string, string | number>;
export interface Phrase { code: string; params?: Params }
export interface VerifyLine { subject: string; text: string; said?: Phrase[] }

const ROLE: Record<string, string> = {
  sender: '发送方',
  gateway: '网关',
  log: '日志',
  acknowledgement: '签收回执',
  step: '签署环节',
  'seal maker': '制章人',
  'seal signer': '签章人',
};
const who = (p: Params) => ROLE[String(p.who)] ?? String(p.who);
const signature = (p: Params) => `${ROLE[String(p.role)] ?? p.role}签名（${p.alg}${p.leaf !== undefined ? `，批量签名叶子 #${p.leaf}` : ''}，签署方 ${p.signer}）`;
const RESULT: Record<string, string> = { rejected: '拒收', acknowledged: '签收' };
const TEXT: Record<string, string> = { request: '请求', response: '应答', nativeRequest: '原生请求（SOAP）', nativeResponse: '原生应答（SOAP）' };
const FIELD: Record<string, string> = { messageId: '报文编号', from: '发送方', to: '接收方', type: '报文类型', caseId: '办件编号', purpose: '用途' };
const what = (p: Params) => TEXT[String(p.what)] ?? String(p.what);

/** The certificate-chain validator's reasons (certs/chain.ts) in Chinese; one it does not know stays as it is. */
const CHAIN_REASONS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^issuer "(.+)" of (.+) is not in the chain nor among the trusted roots$/, (m) => `${m[2]} 的签发者“${m[1]}”既不在证书链中，也不是受信任的根证书`],
  [/^chain ends at (.+), a self-signed certificate that is not a trusted root$/, (m) => `证书链止于 ${m[1]}：自签名证书，但不是受信任的根证书`],
  [/^the signature of (.+) does not verify with the key of its issuer "(.+)"$/, (m) => `${m[1]} 上的签名无法用其签发者“${m[2]}”的公钥验证`],
  [/^certificate (.+) has expired at (\S+) \(notAfter (\S+)\)$/, (m) => `证书 ${m[1]} 在 ${m[2]} 已过期（有效期至 ${m[3]}）`],
  [/^certificate (.+) is not yet valid at (\S+) \(notBefore (\S+)\)$/, (m) => `证书 ${m[1]} 在 ${m[2]} 尚未生效（生效于 ${m[3]}）`],
  [/^certificate (.+) was revoked at (\S+?)(?:, reason (\S+))? \(checked at (\S+)\)$/, (m) => `证书 ${m[1]} 已于 ${m[2]} 被吊销（吊销列表${m[3] ? `，原因 ${m[3]}` : ''}；核验时间 ${m[4]}）`],
  [/^(.+) is not a CA certificate \(basicConstraints cA not set\) but issued (.+)$/, (m) => `${m[1]} 不是 CA 证书（未设置 basicConstraints cA），却签发了 ${m[2]}`],
  [/^(.+) keyUsage does not allow keyCertSign$/, (m) => `${m[1]} 的密钥用途不允许签发证书（keyCertSign）`],
  [/^(.+) is not issued by (.+) \(key identifier or name mismatch\)$/, (m) => `${m[1]} 不是由 ${m[2]} 签发的（密钥标识或名称不符）`],
  [/^no trusted roots are configured$/, () => '没有受信任的根证书'],
  [/^cannot parse (.+?) #(\d+): (.+)$/, (m) => `无法解析第 ${m[2]} 个${({ CRL: '吊销列表', 'trusted root': '受信任的根证书', 'leaf certificate': '证书', 'chain certificate': '链上证书' } as Record<string, string>)[m[1]!] ?? m[1]}：${m[3]}`],
];
/** The seal check's reasons (gateway/documents/seal-verify.ts) in Chinese; one it does not know stays as it is. */
const SEAL_REASONS: Record<string, string> = {
  'the signature algorithm is not SM2 with SM3': '签名算法不是 SM2/SM3',
  'the seal maker signature over the seal does not verify': '制章人对印章的签名验证不通过',
  'the signer certificate is not one the seal lists': '签章人证书不在印章所列证书中',
  'the signature over TBS_Sign does not verify': '对待签数据（TBS_Sign）的签名验证不通过',
  'signed outside the seal validity period': '签章时间不在印章有效期内',
  'the data hash does not match the content (the content changed)': '数据摘要与内容不符（内容已被改动）',
  'the seal maker certificate is not trusted': '制章人证书不受信任',
};
const sealReason = (reason: unknown): string => SEAL_REASONS[String(reason)] ?? String(reason);

const chainReason = (reason: unknown): string => {
  const r = String(reason);
  for (const [re, zh] of CHAIN_REASONS) {
    const m = re.exec(r);
    if (m) return zh(m).replace(/ \(serial ([^)]+)\)/g, '（序列号 $1）');
  }
  return r;
};

const ZH: Record<PhraseCode, (p: Params) => string> = {
  'bundle.format': (p) => `格式 ${p.format}，办件 ${p.caseId}，生成于 ${p.createdAt}`,
  'document.format': (p) => `格式 ${p.format}，公文 ${p.documentId}，生成于 ${p.createdAt}`,
  'bundle.structure': (p) => `证据包结构不符合格式，无法核验：${p.problem}`,
  'bundle.verifier-stopped': (p) => `核验程序遇到意外的值而中止：${p.reason}`,
  'anchor.pinned-same': () => '固定的根证书即证据包所指明的根证书',
  'anchor.pinned-other': () => '证据包指明了另一根证书；所有证书链只按固定的根证书核验',
  'anchor.unreadable': () => '无法读取为证书',
  'anchor.none': () => '没有信任根：证书无从链接',
  'certificate.listed': (p) => `证书指纹与内容一致（${p.subject}）`,
  'certificate.other': (p) => `该指纹下列出的是另一张证书（${p.fp}，${p.subject}）`,
  'certificate.unreadable': () => '该指纹下的 PEM 无法读取',
  'chain.ok': (p) => `${who(p)}证书 ${p.fp} 在 ${p.at} 可链接到信任根（${p.certificates} 张证书${Number(p.crls) ? `，已查 ${p.crls} 份吊销列表` : ''}${p.revokedLater ? `；其后于 ${p.revokedLater} 吊销` : ''}）`,
  'chain.broken': (p) => `${who(p)}证书 ${p.fp} 在 ${p.at} 无法链接到信任根：${chainReason(p.reason)}`,
  'chain.revoked-before': (p) => `${who(p)}证书 ${p.fp} 已于 ${p.revoked} 吊销（网关登记），早于签名时间 ${p.at}`,
  'chain.not-bundled': (p) => `${who(p)}证书 ${p.fp} 不在证据包中（或未以其自身指纹列出）`,
  'chain.no-time': (p) => `没有有效的时间可用来核验${who(p)}证书 ${p.fp} 的证书链`,
  'legacy.sm2-signature': () => '注意：这是旧版 SM2 签名，使用空的区分标识（非 GM/T 0009 默认标识）：签名真实，但按 GM/T 0009 核验需使用空标识',
  'legacy.sm2-certificates': () => '注意：已按 --accept-legacy-sm2-certs 接受：证书链上有以旧版空区分标识签署的 SM2 证书或吊销列表',
  'checkpoint.signature': (p) => `检查点正文的 ${p.alg} 签名经日志证书 ${p.fp}（${p.subject}）验证通过`,
  'checkpoint.signature-invalid': (p) => `检查点正文的 ${p.alg} 签名无法用日志证书 ${p.fp} 验证：正文或签名已被篡改`,
  'checkpoint.no-certificate': (p) => `签署检查点的日志证书 ${p.fp} 不在证据包中（或未以其自身指纹列出）`,
  'checkpoint.unreadable': () => '检查点正文不是检查点（JSON 无法读取，或缺少大小/根哈希）',
  'checkpoint.tree': (p) => `日志树共 ${p.size} 条记录，根哈希 ${p.root}，签署于 ${p.at}`,
  'checkpoint.not-canonical': () => '检查点正文不是规范化 JSON',
  'checkpoint.not-xgw': (p) => `检查点正文不是“${p.log}”v1 或 v2 检查点`,
  'checkpoint.alg-differs': (p) => `检查点正文的哈希算法为 ${p.alg}，而 log.hashAlg 为 ${p.logAlg}`,
  'checkpoint.root-not-hex': () => '根哈希不是 64 位十六进制',
  'note.same-tree': (p) => `签名注记（来源 ${p.origin}，大小 ${p.size}）与已签名检查点是同一棵日志树`,
  'note.other-tree': (p) => `签名注记（大小 ${p.size}，根哈希 ${p.root}）不是已签名的检查点`,
  'note.signed': (p) => `由日志的注记密钥 ${p.key} 签署（证据包所附）`,
  'note.unsigned': (p) => `没有证据包所附注记密钥 ${p.key} 的签名`,
  'note.none': () => '证据包没有检查点签名注记（log.checkpointNote），无联署可查',
  'note.unreadable': (p) => `签名注记无法读取：${p.reason}`,
  'note.key-error': (p) => `日志的注记签名无法核验：${p.reason}`,
  'witness.cosigned': (p) => `见证方已于 ${p.at} 以密钥 ${p.keyId} 联署（tlog-cosignature/v1）`,
  'witness.missing': () => '检查点上没有该见证方密钥的联署：见证方未见到（或拒绝了）这棵日志树',
  'witness.invalid': (p) => `见证方的联署无法验证：${p.reason}`,
  'entry.included': (p) => `叶子哈希一致；已包含在检查点的日志树中（${p.proofHashes} 个证明哈希）`,
  'entry.leaf-hash': () => '叶子哈希 ≠ H(0x00 ‖ 记录)：记录内容或其叶子哈希已被篡改',
  'entry.no-checkpoint': () => '没有可读的检查点来证明包含关系',
  'entry.not-included': (p) => `包含证明无法从序号 ${p.index} 的这条记录推导到检查点根哈希`,
  'entry.twice': () => '该序号在证据包中出现了两次',
  'entry.not-json': () => '记录内容不是 JSON 对象',
  'entry.not-canonical': () => '记录内容不是规范化 JSON',
  'entry.unknown-kind': (p) => `未知的记录类型 ${p.kind}`,
  'entry.other-case': (p) => `该记录属于办件 ${p.caseId}，而非 ${p.bundleCase}`,
  'entry.other-document': (p) => (p.documentId ? `该记录属于公文 ${p.documentId}，而非 ${p.bundleDocument}` : `该记录不涉及任何公文，而非公文 ${p.bundleDocument}`),
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
  'received.ok': (p) => `日志记录 #${p.index}（网关接收，${p.at}）指明本报文、其载荷摘要和信封摘要 ${p.digest}`,
  'received.none': () => '证据包中没有本报文的“网关接收”日志记录：该记录被删除，或本报文不属于此证据包',
  'received.many': (p) => `被记录接收了 ${p.count} 次（记录 ${p.entries}）`,
  'received.entry': (p) => `日志记录 #${p.index}（网关接收）与本报文不符`,
  'received.field-differs': (p) => `${FIELD[String(p.field)] ?? p.field}：记录为 ${p.entry}，信封头为 ${p.envelope}`,
  'received.other-case': (p) => `信封属于办件 ${p.caseId}，而非 ${p.bundleCase}`,
  'received.payload-digest': () => '记录所指明的载荷摘要与信封头中的不同',
  'received.time-on-behalf': (p) => `信封时间 ${p.time} 不是日志记录的接收时间（${p.at}）`,
  'received.time-skew': (p) => `发送方的签署时间 ${p.time} 与日志记录的接收时间（${p.at}）相差超过一小时`,
  'received.envelope-digest': (p) => `记录中的信封摘要不是 ${p.alg}（规范化信封）：信封（信封头或签名）已被篡改`,
  'received.signatures-differ': () => '记录所列签名与信封所带签名不同',
  'message.twice': () => '本报文在证据包中出现了两次',
  'ack.ok': (p) => `${p.receiver} 的签收回执（${RESULT[String(p.result)] ?? '签收'}${p.reason ? `：${p.reason}` : ''}）经证书 ${p.fp} 验证通过`,
  'ack.logged': (p) => `日志记录 #${p.index}（${p.kind === 'message.rejected' ? '接收方拒收' : '接收方确认'}，${p.at}）指明该回执的 sha256 ${p.digest}`,
  'ack.not-bundled': (p) => `日志记录 #${p.index}（${p.kind === 'message.rejected' ? '接收方拒收' : '接收方确认'}）指明了一份签收回执，但证据包中没有它`,
  'ack.not-signed': () => 'ackReceipt 不是已签名的回执',
  'ack.not-v1': () => '签收回执不是 v1 格式的签收回执',
  'ack.other-message': (p) => `签收回执确认的是报文 ${p.id}`,
  'ack.header-differs': () => '签收回执的报文编号、发送方或接收方与信封头不同',
  'ack.other-digest': () => '签收回执所指明的载荷摘要与信封头中的不同',
  'ack.not-receiver': (p) => `签收回执由 ${p.signer} 签署，而非接收方 ${p.receiver}`,
  'ack.no-certificate': (p) => `签收回执的证书 ${p.fp} 不在证据包中（或未以其自身指纹列出）`,
  'ack.invalid': (p) => `签收回执的 ${p.alg} 签名无法用证书 ${p.fp} 验证：回执或其签名已被篡改`,
  'ack.other-holder': (p) => `签收回执的证书 ${p.fp} 颁发给 OU=${p.ou}，而非接收方 ${p.receiver}`,
  'ack.unlogged': (p) => `没有日志记录指明该签收回执的 sha256 ${p.digest}（${p.entries ? `证据包中的记录 ${p.entries}` : '证据包中没有确认或拒收记录'}）：回执或记录已被篡改或删除`,
  'ack.kind-differs': (p) => `日志记录 #${p.index} 为 ${p.kind === 'message.rejected' ? '接收方拒收' : '接收方确认'}，但回执写的是${RESULT[String(p.result)] ?? p.result}`,
  'ack.reason-alg': (p) => `记录中的理由摘要使用未知算法 ${p.alg}`,
  'ack.reason-missing': () => '记录指明了理由摘要，但签收回执没有理由',
  'ack.reason-differs': () => '签收回执的理由与日志记录所指明的不一致',
  'receipt.ok': (p) => `推送回执（202）由 ${p.signer}（${p.alg}）签署，指明载荷摘要和日志记录 #${p.index}`,
  'receipt.no-certificate': (p) => `签署推送回执的证书 ${p.fp} 不在证据包中`,
  'receipt.invalid': () => '网关对推送回执的签名验证不通过',
  'receipt.other-message': () => '推送回执指明的是另一报文',
  'receipt.other-digest': () => '推送回执中的摘要不是载荷摘要',
  'receipt.log-position': (p) => `推送回执的日志位置 #${p.index} 不是本报文在证据包中的“网关接收”记录`,
  'texts.ok': () => '签名原文与信封头、信封、回执和签收回执的规范化形式完全一致',
  'texts.differ': (p) => `${p.names} 与所解析对象的规范化形式不一致`,
  'step.ok': (p) => `→ 报文 ${p.id}（${p.from} → ${p.to}），${p.at}`,
  'step.card': (p) => `${p.department} 办理环节的${p.colour === 'red' ? '红牌' : p.colour === 'yellow' ? '黄牌' : String(p.colour)}（${p.card}），期限 ${p.dueOn}：电子监察记录，非报文步骤`,
  'step.no-message': () => '该记录没有指明报文',
  'step.unknown-message': (p) => `该记录指明报文 ${p.id}，但证据包中没有该报文`,
  'step.field-differs': (p) => `${FIELD[String(p.field)] ?? p.field}：记录为 ${p.entry}，信封头为 ${p.envelope}`,
  'step.not-received': (p) => `报文 ${p.id} 在证据包中没有“网关接收”记录`,
  'step.before-received': (p) => `该记录早于报文被接收（日志记录 #${p.index}）`,
  'call.dropped': (p) => `服务调用 ${p.id}（${p.provider} 的 ${p.service}）：请求与应答已按保存期限策略于 ${p.at} 删除，日志记录仍以摘要指明它们，内容无法核验`,
  'call.ok': (p) => `服务调用 ${p.id}（${p.provider} 的 ${p.service}）：${p.checked} 与日志记录的摘要一致`,
  'call.named': (p) => `服务调用 ${p.id} 与日志记录不符`,
  'call.unknown': (p) => `该记录指明服务调用 ${p.id}，但证据包的 serviceCalls 中没有它`,
  'call.unknown-digest': (p) => `记录指明了未知的摘要 ${p.what}（${p.alg}）`,
  'call.no-text': (p) => `记录指明了${what(p)}摘要，但证据包中的该调用没有${what(p)}`,
  'call.altered': (p) => `证据包中的${what(p)}与记录所指明的摘要不一致：已被篡改`,
  'call.no-request': () => '记录没有指明请求摘要',
  'call.unlogged': () => '证据包中没有任何“服务调用”日志记录指明该调用',
  'document.digest': (p) => `规范化公文的 ${p.alg} 摘要 ${p.have} 即其最后一条日志记录 #${p.index} 所指明的摘要`,
  'document.digest-differs': (p) => `公文的 ${p.alg} 摘要（${p.have}）不是其最后一条日志记录 #${p.index} 所指明的（${p.want}）：公文已被篡改`,
  'document.unnamed': () => '证据包中没有日志记录指明该公文',
  'document.sender-differs': (p) => `日志记录的发文单位为 ${p.logged}，证据包为 ${p.bundled}`,
  'signed-step.ok': (p) => `由 ${p.signer}（${p.alg}）签署，签名验证通过`,
  'signed-step.no-entry': (p) => `其日志记录 #${p.index} 不在证据包中`,
  'signed-step.kind': (p) => `日志记录 #${p.index} 为 ${p.kind}，而非 document.${p.step}`,
  'signed-step.no-text-digest': (p) => `日志记录 #${p.index} 没有指明签署原文`,
  'signed-step.text-altered': (p) => `签署原文的 ${p.alg} 摘要不是日志记录 #${p.index} 所指明的：签署原文已被篡改`,
  'signed-step.signer-differs': (p) => `日志记录 #${p.index} 的签署方为 ${p.logged}，签名的签署方为 ${p.signer}`,
  'signed-step.other-document': () => '签署原文指明的是另一份公文',
  'signed-step.not-json': () => '签署原文不是 JSON',
  'signed-step.no-certificate': (p) => `签署该环节的证书 ${p.fp} 不在证据包中`,
  'signed-step.invalid': (p) => `${p.signer} 对签署原文的签名（${p.alg}）验证不通过`,
  'signed-step.unbundled': () => '日志记录表明该环节已签署，但证据包中没有其签署原文',
  'seal.ok': (p) => `印章“${p.name}”（${p.esID}）：制章人和签章人的 SM2 签名验证通过（GM/T 0009 默认标识）；数据摘要为公文及其 ${p.attachments} 个附件摘要的 SM3`,
  'seal.not-yet': () => '尚未用印（日志中没有用印记录）',
  'seal.missing': (p) => `日志记录 #${p.index} 表明公文已用印，但证据包中没有电子印章`,
  'seal.unsupported': (p) => `没有电子签章（SES_Signature）：${p.reason}（以用印环节的批量签名为准）`,
  'seal.unreadable': (p) => `不是 GB/T 38540 电子签章：${p.reason}`,
  'seal.invalid': (p) => `电子签章验证不通过：${sealReason(p.reason)}`,
  'seal.no-entry': () => '日志中没有该印章对应的用印记录',
  'seal.other-signer': (p) => `签章人证书 ${p.seal} 不是签署用印环节的证书（${p.step}）`,
  'seal.time': (p) => `签章时间 ${p.signed} 不是用印记录的时间 ${p.at}`,
  'seal.at-step': (p) => `在用印环节（日志记录 #${p.index}）由签署该环节的单位加盖`,
  'timeline.not-in-bundle': (p) => `日志记录 #${p.index} 的报文不在本办件的证据包中（其信封载明的是另一个办件编号）`,
  'timeline.bundle-unavailable': (p) => `无法生成本办件的证据包，未能验签（${p.code}）`,
};

/** The codes the console has a sentence for (the test compares them with the verifier's list). */
export const SAID_CODES: readonly string[] = Object.keys(ZH);

/** The line in Chinese when every statement of it has a Chinese sentence; else its English text. */
export function lineText(l: VerifyLine): string {
  const said = l.said ?? [];
  const zh = ZH as Record<string, ((p: Params) => string) | undefined>;
  if (!said.length || said.some((s) => !zh[s.code])) return l.text;
  return said.map((s) => zh[s.code]!(s.params ?? {})).join('；');
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
  'document.drafted': '起草',
  'document.reviewed': '审核',
  'document.signed_off': '签发',
  'document.registered': '登记',
  'document.sealed': '用印',
  'document.distributed': '分发',
  'document.signed_for': '签收',
  'document.recorded': '收文登记',
  'document.proposed': '拟办',
  'document.approved': '批办',
  'document.assigned': '承办',
  'document.forwarded': '转办',
  'document.completed': '办结',
  'document.returned': '退回',
  'document.refused': '拒收',
};

const STEP: Record<string, string> = Object.fromEntries(Object.entries(KIND).filter(([k]) => k.startsWith('document.')).map(([k, v]) => [k.slice('document.'.length), v]));

/** What a line is about, in Chinese: "entry #12 (message.received)" → 日志记录 #12（网关接收）. */
export function subjectText(subject: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^entry #(\d+) \((.+)\)$/.exec(subject))) return `日志记录 #${m[1]}（${KIND[m[2]!] ?? m[2]}）`;
  if ((m = /^message (\S+) \((.+)\)$/.exec(subject))) return `报文 ${m[1]}（${m[2]}）`;
  if ((m = /^certificate (.+)$/.exec(subject))) return `证书 ${m[1]}`;
  if ((m = /^call (.+)$/.exec(subject))) return `服务调用 ${m[1]}`;
  if ((m = /^witness (.+)$/.exec(subject))) return `见证方 ${m[1]}`;
  if ((m = /^document (\S+)$/.exec(subject))) return `公文 ${m[1]}`;
  if ((m = /^step (\S+) \(entry #(\d+)\)$/.exec(subject))) return `签署环节 ${STEP[m[1]!] ?? m[1]}（日志记录 #${m[2]}）`;
  if ((m = /^trust anchor (\d+)$/.exec(subject))) return `信任根 ${m[1]}`;
  const fixed: Record<string, string> = { checkpoint: '签名检查点', 'checkpoint note': '检查点签名注记', format: '证据包格式', 'trust anchor': '信任根', structure: '证据包结构', verifier: '核验程序', 'seal (GB/T 38540 SES_Signature)': '电子印章（GB/T 38540 电子签章）' };
  return fixed[subject] ?? subject;
}
