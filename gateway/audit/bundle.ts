import type { AckReceipt, SignedReceipt } from '../exchange/model';
import { canonicalJson } from '../crypto/canonical';
import type { Envelope } from '../crypto/envelope';
import type { Checkpoint } from '../log/checkpoint';
import type { LogHashAlg } from '../merkle/hash';

/**
 * The evidence bundle (证据包): one self-contained JSON file that proves, for one
 * case, who sent what to whom and when, without trusting the gateway operator.
 * Pure types and text; shared by the exporter (evidence.ts) and the offline
 * verifier (verify-bundle.ts).
 */
export const EVIDENCE_FORMAT = 'xgw-evidence/2';
/**
 * Formats the verifier reads. Version 2 adds the exact signed texts (`messages[].signedTexts`),
 * the checkpoint as a C2SP signed note with the witnesses' cosignatures (`log.checkpointNote`)
 * and the verification steps in Chinese and English (`verification`); version 1 bundles
 * (without them) keep verifying.
 */
export const EVIDENCE_FORMATS = ['xgw-evidence/1', EVIDENCE_FORMAT] as const;
export type EvidenceFormat = (typeof EVIDENCE_FORMATS)[number];

export interface BundleEntry {
  /** Position of the entry in the exchange log. */
  index: number;
  /** The exact RFC 8785 canonical JSON text that was hashed (leaf = H(0x00 ‖ entry)). */
  entry: string;
  /** Hex leaf hash, as the log stored it. */
  leafHash: string;
  /** RFC 9162 inclusion path (hex), leaf to root, in the tree of the bundle checkpoint's size. */
  inclusionProof: string[];
}

export interface BundleMessage {
  /** The gateway message id (named by the log entries). */
  id: string;
  /** The signed envelope: header and signatures, as stored. */
  envelope: Envelope;
  /** The message content. PERSONAL DATA (个人信息). */
  payload: unknown;
  /** RFC 8785 canonical text of `payload`, the bytes whose digest the header names. */
  payloadCanonical?: string;
  /** Present when the gateway's retention policy dropped the body (payload null): only its digest, in the signed header, remains. */
  retention?: { at: string; mode: 'drop' };
  /** The receiver department's signed acknowledgement (签收/退回), when it answered; its digest is in the log. */
  ackReceipt?: BundleAckReceipt;
  /** (v2) The receipt the gateway answered the push with (202), signed with the log key (batched). */
  receipt?: BundleReceipt;
  /** (v2) The exact texts the signatures and log digests cover, so no RFC 8785 implementation is needed to check them. */
  signedTexts?: BundleSignedTexts;
}

/** What the gateway's receipt signature covers: the canonical receipt without its signature. */
export function receiptBodyText(receipt: BundleReceipt): string {
  const { signature: _signature, ...body } = receipt;
  return canonicalJson(body);
}

/** The push receipt as exchange/receipts.ts signs it: the canonical receipt without `signature` is a leaf of the gateway's batch. */
export type BundleReceipt = SignedReceipt;

/**
 * The bytes each signature or digest covers (UTF-8, no trailing newline). A batched signature
 * (`manifest` present) signs its `manifest` text; the text below is a leaf of that batch:
 * H(0x00 ‖ text) with H = the manifest's hashAlg, and `proof` leads from it at `index` to the
 * manifest's `root` (RFC 9162 inclusion). A plain signature signs the text itself.
 */
export interface BundleSignedTexts {
  /** The canonical envelope header: what the sender's signature covers. */
  header: string;
  /** {"header":…,"senderSignature":…}: what the gateway's countersignature covers (when there is one). */
  countersigned?: string;
  /** The canonical envelope (header and signatures): its sha256 is `envelope.digest` of the message.received entry. */
  envelope: string;
  /** The acknowledgement without its `signature` member: what the receiver's signature covers. */
  ackBody?: string;
  /** The whole acknowledgement, signature included: its sha256 is `detail.receipt.digest` of its log entry. */
  ack?: string;
  /** The push receipt without its `signature` member: what the gateway's receipt signature covers. */
  receipt?: string;
}

/** A synchronous service call of the case (共享查询): what was asked and answered, as the gateway recorded it. */
export interface BundleServiceCall {
  /** The call id (named by its service.called entry). */
  id: string;
  /** The JSON request. May hold PERSONAL DATA. */
  request: unknown;
  /** The JSON answer (null when the call failed). */
  response: unknown;
  /** The SOAP request element sent to the agency, and its answer, as text (null when not reached). */
  nativeRequest: string | null;
  nativeResponse: string | null;
  /** Present when the gateway's retention policy dropped the call's bodies (all four null): the service.called entry's digests still name them. */
  retention?: { at: string; mode: 'drop' };
}

/** The receiver's signed answer, as exchange/receipts.ts makes it (exchange/model.ts: pure types). */
export type BundleAckReceipt = AckReceipt;

/**
 * What every bundle kind (a case's, a 公文's) carries to prove its log entries: the signed
 * checkpoint, the entries with their inclusion proofs, and the certificates to check them with.
 */
export interface LoggedBundle {
  log: {
    name: string;
    hashAlg: LogHashAlg;
    /** One signed checkpoint; every entry below has an inclusion proof against it. */
    checkpoint: Checkpoint;
    /** (v2) The log's origin line and Ed25519 note verifier key (c2sp.org/signed-note vkey). */
    origin?: string;
    noteKey?: string;
    /**
     * (v2) The same checkpoint (same size and root) as a C2SP tlog-checkpoint signed note, with the
     * log's note signature and the tlog-cosignature/v1 lines of the witnesses that cosigned it.
     */
    checkpointNote?: string;
  };
  entries: BundleEntry[];
  /** Every certificate referenced (department signers, the log certificate, CAs), PEM by SHA-256 fingerprint of the DER. */
  certificates: Record<string, string>;
  /** The root certificates (PEM) the signatures chain to. Pin one with `xgw verify bundle --root`. */
  trustAnchors: string[];
  /**
   * Revocation times the gateway's registry holds for bundled certificates (from `xgw certs revoke|crl`).
   * Unsigned: the operator's statement; pass the CA's CRLs to `xgw verify bundle --crl` for independent evidence.
   */
  revocations?: Record<string, string>;
}

export interface EvidenceBundle extends LoggedBundle {
  format: EvidenceFormat;
  readme: string[];
  /** (v2) How to check this bundle by hand, step by step, in Chinese and English. */
  verification?: { zh: string[]; en: string[] };
  createdAt: string;
  caseId: string;
  messages: BundleMessage[];
  /** The case's synchronous service calls, when it has any. */
  serviceCalls?: BundleServiceCall[];
}

export const BUNDLE_README: readonly string[] = [
  'xgw evidence bundle (证据包) for one case: every exchange-log entry of the case, the signed messages with their payloads, and the certificates.',
  'PERSONAL DATA: `messages[].payload` holds the case records as exchanged, including applicants\' names and ID or credit numbers (个人信息保护法).',
  'Keep this file under the same protection as the case file, hand it only to people entitled to it, and delete copies when the audit ends.',
  'Verify offline (no network, no database): `xgw verify bundle <file>` (add --root <root.pem> to pin the trust anchor instead of trusting `trustAnchors`).',
  'What is checked: (a) `log.checkpoint.body` is signed by the log certificate, which chains to the root at the checkpoint time;',
  '(b) each entry: leafHash = H(0x00 ‖ entry) and its inclusion proof leads to the checkpoint root (RFC 9162 §2.1.3.2);',
  '(c) each message: the canonical payload digest equals `envelope.header.payloadDigest`, the sender\'s batch signature over the canonical header verifies',
  'with the department certificate, which chains to the root at the time the log recorded the message, and its `message.received` entry names the message,',
  'the same payload digest and sha256(canonical envelope); a signed acknowledgement (`ackReceipt`) verifies with the receiver\'s certificate and its',
  'sha256 digest is the one its `message.acknowledged`/`message.rejected` entry names; (d) every message step entry refers to a message in this bundle;',
  '(e) each `service.called` entry names a call in `serviceCalls` whose request, answer and SOAP texts have the sha256 digests the entry names.',
  'By hand: `verification` (Chinese and English) says which exact bytes each signature and leaf covers; `messages[].signedTexts` holds them.',
  'By hand: `openssl dgst -sm3 -sigopt distid:1234567812345678 -verify log.pub -signature sig.bin body.json` (SM2-SM3; `-sha256` without -sigopt for ECDSA/RSA) checks the checkpoint; name the SM2 ID explicitly, OpenSSL 3 and 4 default differently; see GET /api/v1/log/checkpoint for the commands.',
  'Witnesses: `xgw verify bundle <file> --witness <vkey>` requires that witness\'s cosignature on `log.checkpointNote` (get the key from the witness\'s operator).',
  'Revocation: `revocations` lists the times the gateway registry holds; a certificate revoked before a signature fails. For evidence independent of the',
  'operator, pass the CA\'s CRLs: `xgw verify bundle <file> --root <root.pem> --crl <crl.pem>`.',
  'Limits: the bundle proves that what it contains was logged and signed; it cannot by itself prove that no other entry of the case exists',
  '(compare with the log\'s entries or later checkpoints for that). The gateway signs on behalf of departments that hold no key of their own (`onBehalf`).',
];

/**
 * The verification steps a version 2 bundle carries, in Chinese and English: which bytes each
 * signature and each leaf covers, so an auditor can check it with openssl and a short script
 * (README "Checking an evidence bundle by hand") instead of `xgw verify bundle`.
 */
export const BUNDLE_VERIFICATION: { readonly zh: readonly string[]; readonly en: readonly string[] } = {
  zh: [
    '本证据包格式 xgw-evidence/2。所有"文本"均为 UTF-8 字节，末尾无换行；签名值为 base64（DER 或原始字节），哈希为小写十六进制。',
    '1 检查点：log.checkpoint.body 即被签名的原文。用 certificates[log.checkpoint.signature.certificate] 中的日志证书验证 signature.value（SM2-SM3 须加 -sigopt distid:1234567812345678）。',
    '2 日志条目：叶哈希 = H(0x00 ‖ entries[].entry)，H 为 log.hashAlg；按 RFC 9162 §2.1.3.2 用 inclusionProof 从第 index 个叶推到检查点 body 中的 root，树大小为 body.size。',
    '3 报文：payloadDigest = 摘要(payloadCanonical)；发送方签名覆盖 signedTexts.header（批签名：H(0x00 ‖ 文本) 经 proof 推到 manifest 的 root，签名覆盖 manifest 原文）；网关副署覆盖 signedTexts.countersigned；message.received 条目的 envelope.digest = sha256(signedTexts.envelope)；推送回执 receipt 由网关日志密钥批签名，覆盖 signedTexts.receipt，并载明摘要及 message.received 条目的序号与叶哈希。',
    '4 回执：接收方签名覆盖 signedTexts.ackBody（同为批签名）；message.acknowledged/message.rejected 条目的 detail.receipt.digest = sha256(signedTexts.ack)；退回理由只以摘要 reasonDigest 入日志。',
    '5 见证：log.checkpointNote 是同一检查点的 C2SP tlog-checkpoint 签名便笺（来源行、大小、base64 根哈希）。日志便笺签名为 Ed25519，覆盖便笺正文；见证方联署（tlog-cosignature/v1）覆盖 "cosignature/v1\\ntime <时间戳>\\n" ‖ 便笺正文。用从审计机关独立取得的见证方公钥验证：xgw verify bundle --witness <vkey>。',
    '6 证书链：各证书须在签名时刻链到独立取得的根证书（xgw verify bundle --root root.pem），并以 CA 的 CRL 检查吊销（--crl）。',
  ],
  en: [
    'This bundle is format xgw-evidence/2. Every "text" is UTF-8 bytes without a trailing newline; signature values are base64 (DER or raw), hashes lowercase hex.',
    '1 Checkpoint: log.checkpoint.body is the exact signed text. Verify signature.value with the log certificate certificates[log.checkpoint.signature.certificate] (SM2-SM3: pass -sigopt distid:1234567812345678).',
    '2 Log entries: leaf = H(0x00 ‖ entries[].entry), H = log.hashAlg; the inclusionProof leads from leaf `index` to the body\'s root in a tree of body.size (RFC 9162 §2.1.3.2).',
    '3 Messages: payloadDigest = digest(payloadCanonical); the sender\'s signature covers signedTexts.header (batched: H(0x00 ‖ text) leads by `proof` to the manifest root, and the signature covers the manifest text); the gateway countersignature covers signedTexts.countersigned; the message.received entry\'s envelope.digest = sha256(signedTexts.envelope); the push receipt (receipt) is batch-signed by the gateway\'s log key over signedTexts.receipt and names the payload digest and the message.received entry\'s index and leaf hash.',
    '4 Acknowledgements: the receiver\'s signature covers signedTexts.ackBody (batched the same way); the message.acknowledged/message.rejected entry\'s detail.receipt.digest = sha256(signedTexts.ack); a rejection reason enters the log only as reasonDigest.',
    '5 Witnesses: log.checkpointNote is the same checkpoint as a C2SP tlog-checkpoint signed note (origin, size, base64 root). The log\'s note signature is Ed25519 over the note text; a witness cosignature (tlog-cosignature/v1) covers "cosignature/v1\\ntime <timestamp>\\n" ‖ note text. Check it with the witness key obtained from the audit office, not from the bundle: xgw verify bundle --witness <vkey>.',
    '6 Certificates: each must chain, at its signature\'s time, to a root obtained independently (xgw verify bundle --root root.pem), and be checked against the CA\'s CRLs (--crl).',
  ],
};
