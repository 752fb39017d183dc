/**
 * The transparency-log operations of the OpenAPI document (merged by
 * http/openapi.ts; routes in log/routes.ts).
 */
import { count, hash32, json, page, pem, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';
import { SIGNING_ALGS } from '../crypto/sign';
import { LOG_HASH_ALGS } from '../merkle/hash';
import { LOG_ENTRY_KINDS } from './entries';
import { LOG_NAME } from './checkpoint';

const treeSize = (description: string, minimum = 0): Json => ({ type: 'integer', minimum, description });

/**
 * How an auditor checks a checkpoint with nothing but openssl (sign.ts has the
 * algorithms). SM2 signatures use the GM/T 0009 default ID, named explicitly: OpenSSL
 * 3.x defaults to an empty ID, OpenSSL 4 to 1234567812345678.
 */
const CHECKPOINT_VERIFY = [
  '`body` is the exact canonical JSON (RFC 8785) that was signed: verify those bytes, never a re-serialisation.',
  'With the certificate from GET /api/v1/log/key (its SHA-256 fingerprint must equal `signature.certificate`; it chains to `chain`):',
  '',
  '```sh',
  'openssl x509 -in log.pem -pubkey -noout > log.pub',
  "printf '%s' \"$BODY\" > body.json                     # the body, no trailing newline",
  "printf '%s' \"$SIGNATURE_VALUE\" | base64 -d > sig.bin",
  'openssl dgst -sm3 -sigopt distid:1234567812345678 -verify log.pub -signature sig.bin body.json   # SM2-SM3',
  '#   checkpoints signed before xgw used the default ID (legacy, empty ID): -sigopt distid: left empty on OpenSSL 3',
  'openssl dgst -sha256 -verify log.pub -signature sig.bin body.json     # ECDSA-P256-SHA256, RSA-SHA256',
  '#   RSA-PSS-SHA256: add -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256',
  'openssl pkeyutl -verify -pubin -inkey log.pub -rawin -in body.json -sigfile sig.bin   # Ed25519',
  '```',
  '',
  'The verified `size` and `root` anchor GET /api/v1/log/entries and the inclusion and consistency proofs.',
].join('\n');

export function logPaths() {
  return {
    '/api/v1/log/key': {
      get: {
        tag: 'log',
        id: 'logKey',
        summary: 'The log signing key: certificate, fingerprint, CA chain and public key',
        description:
          'Pin this certificate (check `fingerprint` = SHA-256 of its DER and that it chains to the root in `chain`); ' +
          'every checkpoint names it in `signature.certificate` and verifies with it offline (see GET /api/v1/log/checkpoint).',
        ok: { 200: json('the log key', ref('LogKey')) },
      },
    },
    '/api/v1/log/keys': {
      get: {
        tag: 'log',
        id: 'logKeys',
        summary: 'Every log signing key the gateway has used: the current one first, then the previous ones, with their validity',
        description:
          'After a log certificate is renewed, what the previous key signed still verifies with it: a receiver verifying a webhook ' +
          'signature (RFC 9421) looks its `keyid` up here (`keyId`), an auditor a checkpoint\'s `signature.certificate` (`fingerprint`). ' +
          'Check that each certificate chains to the root you pinned (`GET /api/v1/log/key` `chain`). One page: `next` is always null.',
        params: [],
        ok: { 200: json('the log keys', ref('LogKeyVersionPage')) },
        errors: ['GW_ERR_REQUEST_INVALID'],
      },
    },
    '/api/v1/log/checkpoint': {
      get: {
        tag: 'log',
        id: 'getCheckpoint',
        summary: 'The latest signed checkpoint (tree head), or the one of a given size',
        description: CHECKPOINT_VERIFY,
        params: [query('size', 'the checkpoint covering exactly this many entries (default: the latest)', treeSize('tree size'))],
        ok: {
          200: {
            ...json('the checkpoint', ref('Checkpoint')),
            content: {
              'application/json': { schema: ref('Checkpoint') },
              'text/plain': {
                schema: {
                  type: 'string',
                  description:
                    'With `Accept: text/plain`: the same checkpoint as a C2SP tlog-checkpoint signed note (origin line, size, base64 root hash, blank line, ' +
                    "`— <origin> base64(key ID ‖ Ed25519 signature)` by the log's note key from GET /api/v1/log/key `noteKey`), followed by the " +
                    'tlog-cosignature/v1 lines of the witnesses that cosigned it.',
                },
              },
            },
          },
        },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_LOG_NOT_FOUND'],
      },
    },
    '/api/v1/log/checkpoints': {
      get: {
        tag: 'log',
        id: 'listCheckpoints',
        summary: 'All signed checkpoints in increasing size, a page at a time',
        description:
          'Verify each as described at GET /api/v1/log/checkpoint; GET /api/v1/log/proof/consistency between two of them ' +
          'shows the log only grew in between.',
        params: [
          query('after', 'the `next` cursor of the previous page', { type: 'string' }),
          query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
        ],
        ok: { 200: json('a page of checkpoints', ref('CheckpointPage')) },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
      },
    },
    '/api/v1/log/entries': {
      get: {
        tag: 'log',
        id: 'logEntries',
        summary: 'Log entries start ≤ index < end, with their leaf hashes',
        description:
          '`entry` is the exact canonical JSON text that was hashed: leaf = H(0x00 ‖ UTF-8 bytes of `entry`) with H = `hashAlg` ' +
          '(SHA-256 or SM3), e.g. `(printf \'\\0\'; printf \'%s\' "$ENTRY") | openssl dgst -sha256`. The RFC 9162 Merkle tree hash (node = H(0x01 ‖ left ‖ right)) of the leaves 0 … size−1 must equal ' +
          "the signed `root` of the checkpoint of that size, so the whole log can be recomputed without the gateway's code. " +
          'Committed entries are listed even before a checkpoint covers them. A member reads the entries of its own ' +
          "messages and calls (sender, receiver, caller or provider); of the others' only the leaf hash (`withheld: true`), " +
          'which is enough to recompute the tree — the auditors\' own entries (`audit.trace_queried`, `audit.evidence_exported`: every trace ' +
          'query and evidence export, who, what, when, outcome) included. Auditors and supervisors read every entry. Free text (a rejection reason, ' +
          'an agency error) never enters an entry: its digest does (`reasonDigest`, `errorDigest`: `{alg, value}` with alg = the log hash).',
        params: [
          query('start', 'first index', treeSize('index'), true),
          query('end', 'one past the last index (default start + 100; at most start + 1000)', treeSize('index', 1)),
        ],
        ok: { 200: json('the entries (fewer, or none, past the end of the log)', ref('LogEntries')) },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_LOG_BAD_RANGE'],
      },
    },
    '/api/v1/log/proof/inclusion': {
      get: {
        tag: 'log',
        id: 'inclusionProof',
        summary: 'RFC 9162 inclusion proof of an entry (by index or leaf hash) in the tree of a given size',
        description:
          'Give `index` (e.g. `log.index` of a push receipt) or `leafHash`, and `size` = the size of a signed checkpoint ' +
          '(default: the integrated tree). Verify with RFC 9162 §2.1.3.2: fold `leafHash` (= H(0x00 ‖ entry)) with the ' +
          '`proof` hashes (node = H(0x01 ‖ left ‖ right)); the result must equal that checkpoint\'s signed `root`. ' +
          'An index or size beyond the integrated tree is GW_ERR_LOG_BAD_RANGE.',
        params: [
          query('index', 'the entry index (takes precedence over leafHash)', treeSize('index')),
          query('leafHash', 'or: the leaf hash of the entry (first entry with it)', { type: 'string', pattern: '^[0-9a-fA-F]{64}$' }),
          query('size', 'tree size of the checkpoint to prove against (default: the integrated size)', treeSize('tree size', 1)),
        ],
        ok: { 200: json('the proof', ref('InclusionProof')) },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_LOG_BAD_RANGE', 'GW_ERR_LOG_NOT_FOUND'],
      },
    },
    '/api/v1/log/proof/consistency': {
      get: {
        tag: 'log',
        id: 'consistencyProof',
        summary: 'RFC 9162 consistency proof between two tree sizes (the log is append-only)',
        description:
          'Verify with RFC 9162 §2.1.4.2 against the signed `root`s of the checkpoints of sizes `from` and `to`: it shows ' +
          'the older tree is a prefix of the newer one, i.e. nothing was changed or removed in between.',
        params: [
          query('from', 'the older tree size (≥ 1)', treeSize('tree size', 1), true),
          query('to', 'the newer tree size (default: the integrated size)', treeSize('tree size', 1)),
        ],
        ok: { 200: json('the proof', ref('ConsistencyProof')) },
        errors: ['GW_ERR_REQUEST_INVALID', 'GW_ERR_LOG_BAD_RANGE'],
      },
    },
  } satisfies Record<string, Record<string, Op>>;
}

/** The exchange log (transparency log) answers: see the `log` operations in openapi.ts. */
export function logSchemas(): Json {
  const hashAlg: Json = { $ref: '#/components/schemas/LogHashAlg' };
  const proof = (description: string): Json => ({ type: 'array', description, items: hash32('node hash') });
  return {
    LogHashAlg: {
      type: 'string',
      enum: [...LOG_HASH_ALGS],
      description: 'H of the log tree (fixed for the life of the log): leaf = H(0x00 ‖ entry), node = H(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1)',
    },
    LogKey: {
      type: 'object',
      description: 'The key that signs checkpoints, with its certificate and the CA chain to pin it.',
      required: ['sigAlg', 'hashAlg', 'certificate', 'fingerprint', 'chain', 'publicKey', 'keyId', 'httpSignatureAlg'],
      properties: {
        sigAlg: { type: 'string', enum: [...SIGNING_ALGS], description: 'checkpoint signature algorithm' },
        hashAlg,
        certificate: pem('the log certificate (PEM)'),
        fingerprint: hash32('SHA-256 of the certificate DER; equals `signature.certificate` of every checkpoint it signed'),
        chain: { type: 'array', description: 'issuer certificates up to the root (PEM)', items: pem('certificate (PEM)') },
        publicKey: pem('the public key of the certificate (SPKI PEM), for `openssl dgst -verify`'),
        keyId: hash32('the `keyid` of webhook signatures (RFC 9421): SHA-256 of the DER SubjectPublicKeyInfo'),
        httpSignatureAlg: {
          type: ['string', 'null'],
          enum: ['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512', null],
          description: 'the RFC 9421 `alg` of webhook signatures; null for an SM2 key (not in the registry: SM2-SM3 with ID 1234567812345678, `alg` left out)',
        },
        origin: str("the log's origin line in its C2SP checkpoints"),
        noteKey: str("the log's Ed25519 note verifier key (c2sp.org/signed-note vkey, type 0x01): <origin>+<hex key ID>+base64(0x01 ‖ public key)"),
      },
    },
    LogKeyVersion: {
      type: 'object',
      required: ['status', 'fingerprint', 'keyId', 'httpSignatureAlg', 'certificate', 'publicKey', 'notBefore', 'notAfter', 'revokedAt'],
      properties: {
        status: { type: 'string', enum: ['current', 'previous', 'revoked'], description: 'current: signs now; previous: signed before a renewal, still verifies what it signed; revoked: verifies only what it signed before revokedAt' },
        fingerprint: hash32('SHA-256 of the certificate DER (checkpoints: `signature.certificate`)'),
        keyId: hash32('the `keyid` of webhook signatures (RFC 9421): SHA-256 of the DER SubjectPublicKeyInfo'),
        httpSignatureAlg: { type: ['string', 'null'], enum: ['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512', null], description: 'the RFC 9421 `alg`; null for an SM2 key' },
        certificate: pem('the log certificate (PEM)'),
        publicKey: pem('its public key (SPKI PEM)'),
        notBefore: { type: 'string', format: 'date-time', description: 'valid from' },
        notAfter: { type: 'string', format: 'date-time', description: 'valid until' },
        revokedAt: { type: ['string', 'null'], format: 'date-time', description: 'revoked from (null: not revoked)' },
      },
    },
    LogKeyVersionPage: page(ref('LogKeyVersion'), 'log keys'),
    CheckpointBody: {
      type: 'object',
      description:
        'What a checkpoint signs (the parsed `body`): the tree of `size` entries has root hash `root`. Version 2 also numbers the checkpoint (`seq`, from 1) and names the size of the one before (`prev`, 0 for the first): a gap in the numbers is a deleted checkpoint. Version 1 bodies (logs begun earlier) have neither.',
      required: ['v', 'log', 'alg', 'size', 'root', 'at'],
      additionalProperties: false,
      properties: {
        v: { type: 'integer', enum: [1, 2] },
        log: { type: 'string', const: LOG_NAME },
        alg: hashAlg,
        seq: { type: 'integer', minimum: 1, description: 'version 2: this checkpoint\'s number, from 1, without gaps' },
        prev: { type: 'integer', minimum: 0, description: 'version 2: the size of the checkpoint before this one (0 for the first)' },
        size: count('number of entries covered'),
        root: hash32('RFC 9162 Merkle tree hash of entries 0 … size−1'),
        at: time('when it was signed'),
      },
      if: { properties: { v: { const: 2 } } },
      then: { required: ['seq', 'prev'] },
      else: { not: { anyOf: [{ required: ['seq'] }, { required: ['prev'] }] } },
    },
    Checkpoint: {
      type: 'object',
      description: 'A signed tree head. Only `body` is signed; `size`, `alg`, `root` and `at` repeat it for convenience.',
      required: ['size', 'alg', 'root', 'at', 'body', 'signature'],
      properties: {
        size: count('number of entries covered'),
        alg: hashAlg,
        root: hash32('root hash of the tree of `size` entries'),
        at: time('when it was signed'),
        body: str('the exact RFC 8785 canonical JSON text that was signed (UTF-8); verify these bytes, not a re-serialisation', {
          contentMediaType: 'application/json',
          contentSchema: ref('CheckpointBody'),
        }),
        signature: {
          type: 'object',
          required: ['alg', 'certificate', 'value'],
          properties: {
            alg: { type: 'string', enum: [...SIGNING_ALGS] },
            certificate: hash32('SHA-256 fingerprint of the signing certificate (GET /api/v1/log/key)'),
            value: str('the signature over `body`, base64 (DER for SM2 and ECDSA)', { contentEncoding: 'base64' }),
          },
        },
      },
    },
    CheckpointPage: page(ref('Checkpoint'), 'Signed checkpoints in increasing size.'),
    LogEntryContent: {
      type: 'object',
      description: 'The parsed text of a log entry; further fields (message header, actor, detail, digests) depend on `kind`.',
      required: ['v', 'kind', 'at'],
      additionalProperties: true,
      properties: { v: { type: 'integer', const: 1 }, kind: { type: 'string', enum: [...LOG_ENTRY_KINDS] }, at: time('when the step happened') },
    },
    LogEntries: {
      type: 'object',
      required: ['hashAlg', 'items'],
      properties: {
        hashAlg,
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['index', 'leafHash'],
            properties: {
              index: count('position in the log'),
              entry: str('the exact RFC 8785 canonical JSON text that was hashed (absent when withheld)', { contentMediaType: 'application/json', contentSchema: ref('LogEntryContent') }),
              withheld: { type: 'boolean', const: true, description: "the entry is about another member's message or call: only its leaf hash is served" },
              leafHash: hash32('H(0x00 ‖ UTF-8 bytes of `entry`)'),
            },
          },
        },
      },
    },
    InclusionProof: {
      type: 'object',
      required: ['hashAlg', 'index', 'size', 'leafHash', 'proof'],
      properties: {
        hashAlg,
        index: count('the entry'),
        size: count('the tree the proof is against', 1),
        leafHash: hash32('leaf hash of the entry'),
        proof: proof('RFC 9162 inclusion path, from the leaf up'),
      },
    },
    ConsistencyProof: {
      type: 'object',
      required: ['hashAlg', 'from', 'to', 'proof'],
      properties: {
        hashAlg,
        from: count('the older tree size', 1),
        to: count('the newer tree size', 1),
        proof: proof('RFC 9162 consistency proof'),
      },
    },
  };
}
