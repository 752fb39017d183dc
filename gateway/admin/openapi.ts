/**
 * Registry administration (admin role) in the OpenAPI document (merged by http/openapi.ts;
 * routes in admin/routes.ts validate with the same objects; the domain is
 * registry/admin-*.ts). Every change is a `registry.changed` entry of the signed log and
 * takes effect at once in every gateway process (registry/live.ts).
 */
import { KEY_ALGS } from '../crypto/keys';
import type { ErrorCode } from '../errors';
import { count, json, keysOf, nullable, page, pathParam, query, ref, reqId, str, time, type Json, type Op } from '../http/openapi-helpers';
import type { MemberKind } from '../registry/members';
import { REGISTRY_ACTIONS, REGISTRY_OBJECTS } from '../registry/changes';
import { ROLES } from '../registry/users';

const KINDS = keysOf<MemberKind>({ hall: true, municipal: true, vertical: true, station: true });
const CODE = '^[a-z][a-z0-9-]{1,31}$';
const code = (d: string): Json => str(d, { pattern: CODE });
const name = (d: string): Json => str(d, { minLength: 1, maxLength: 200 });
const uscc = str('统一社会信用代码 (GB 32100, 18 characters; the check character is verified unless usccMode is warn)', { pattern: '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$' });
const url = str('the webhook URL (http or https)', { pattern: '^https?://[^\\s]{1,2000}$' });
const bool = (d: string): Json => ({ type: 'boolean', description: d });
const purposes = { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: str('purpose (用途)', { pattern: '^[a-z][a-z0-9-]{0,63}$' }) };
const optionalTime = (d: string): Json => nullable(time(d));
const adapterConfig = { type: 'object', description: "the adapter's config (checked against its configSchema; keep credentials in the gateway config's adapters.<code>, which goes over it)", maxProperties: 50 };

const LIST: Json[] = [query('after', 'the `next` cursor of the previous page', { type: 'string', maxLength: 400 }), query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 })];
const BASE_ERRORS: ErrorCode[] = ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID'];
const LIST_ERRORS: ErrorCode[] = [...BASE_ERRORS, 'GW_ERR_LIST_BAD_CURSOR'];
const WRITE: ErrorCode[] = [...BASE_ERRORS, 'GW_ERR_REGISTRY_INVALID'];
const changed = { 'X-Registry-Version': { description: 'the registry version this gateway reflects after the change', schema: { type: 'integer' } } };
const ok = (d: string, s: Json, status = 200) => ({ [status]: json(d, s, changed) });
const noContent = (d: string) => ({ 204: { description: d, headers: { ...reqId, ...changed } } });
const memberParam = pathParam('code', 'member code', { type: 'string' }, 'housing');
const systemParams = [pathParam('member', 'member code', { type: 'string' }, 'housing'), pathParam('system', 'system code', { type: 'string' }, 'default')];
const idParam = pathParam('id', 'id (UUIDv7)', { type: 'string' });
const loginParam = pathParam('login', 'login name', { type: 'string' });

const op = (o: Omit<Op, 'tag'>): Op => ({ tag: 'admin', ...o });

export const memberCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name', 'kind', 'uscc', 'adapter'],
  properties: {
    code: code('member code (lowercase, 2–32)'),
    name: name('成员单位名称'),
    kind: { type: 'string', enum: KINDS },
    uscc,
    adapter: str('adapter name (see adapters/index.ts)', { pattern: '^[a-z][a-z0-9-]{1,63}$' }),
    adapterConfig,
    deliveryMode: { type: 'string', enum: ['push', 'pull'], default: 'pull' },
    keyAlg: { type: 'string', enum: [...KEY_ALGS], default: 'sm2' },
    webhook: { type: 'object', additionalProperties: false, required: ['url'], properties: { url, active: bool('deliver to it (default true)') } },
  },
} satisfies Json;

export const memberPatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: name('成员单位名称'),
    kind: { type: 'string', enum: KINDS },
    uscc,
    adapter: str('adapter name', { pattern: '^[a-z][a-z0-9-]{1,63}$' }),
    adapterConfig,
    deliveryMode: { type: 'string', enum: ['push', 'pull'] },
    keyAlg: { type: 'string', enum: [...KEY_ALGS] },
    active: bool('false deactivates (its tokens are revoked), true reactivates'),
  },
} satisfies Json;

export const webhookSetSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { url, active: bool('deliver to it') },
} satisfies Json;

export const systemCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['member', 'code', 'name'],
  properties: { member: code('member code'), code: code('system code'), name: name('system name') },
} satisfies Json;

export const systemPatchSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: name('system name'), active: bool('false retires it (its tokens are revoked)') } } satisfies Json;

export const tokenIssueSchema = { type: 'object', additionalProperties: false, properties: { label: str('what the token is for', { maxLength: 100, default: '' }) } } satisfies Json;

export const agreementCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sender', 'receiver', 'messageType', 'purposes'],
  properties: {
    sender: code('sending member'),
    receiver: code('receiving member (or the agency offering the service)'),
    messageType: str('message type (push) or service name (synchronous call)', { pattern: '^[a-z][a-z0-9-]{1,63}$' }),
    purposes,
    validFrom: optionalTime('in force from (open when null)'),
    validTo: optionalTime('in force until, exclusive (open when null)'),
  },
} satisfies Json;

export const agreementPatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { purposes, validFrom: optionalTime('in force from'), validTo: optionalTime('in force until') },
} satisfies Json;

const password = str('password (at least 8 characters)', { minLength: 8, maxLength: 256, format: 'password' });

export const userCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['login', 'name', 'role', 'department'],
  properties: {
    login: str('login', { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$' }),
    name: name('姓名'),
    role: { type: 'string', enum: [...ROLES] },
    department: code('member code the person works for'),
    password: { ...password, description: 'omit to have one generated (answered once)' },
  },
} satisfies Json;

export const userPatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name: name('姓名'), role: { type: 'string', enum: [...ROLES] }, department: code('member code'), password, active: bool('false disables the login (its sessions end)') },
} satisfies Json;

const { password: _password, ...userDocProperties } = userCreateSchema.properties;

const docMember = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name', 'kind', 'uscc', 'adapter', 'adapterConfig', 'deliveryMode', 'keyAlg', 'active', 'webhook', 'systems'],
  properties: {
    ...memberCreateSchema.properties,
    active: bool('active'),
    webhook: { type: ['object', 'null'], additionalProperties: false, required: ['url', 'active'], properties: { url, active: bool('deliver to it') } },
    systems: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['code', 'name', 'active'], properties: { code: code('system code'), name: name('system name'), active: bool('not retired') } } },
  },
};

export const registryDocumentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['xgwRegistry', 'members', 'agreements', 'users'],
  properties: {
    xgwRegistry: { const: 1, description: 'format version' },
    members: { type: 'array', maxItems: 10_000, items: docMember },
    agreements: { type: 'array', maxItems: 100_000, items: { ...agreementCreateSchema, required: [...agreementCreateSchema.required, 'validFrom', 'validTo'] } },
    users: {
      type: 'array',
      maxItems: 100_000,
      items: { type: 'object', additionalProperties: false, required: ['login', 'name', 'role', 'department', 'active'], properties: { ...userDocProperties, active: bool('may log in') } },
    },
    notExported: str('what the export leaves out (ignored by apply)'),
  },
} satisfies Json;

const DEACTIVATES = 'Deleting would break the histories and log entries that name it, so DELETE deactivates: the row stays, marked inactive';

export function adminPaths() {
  return {
    '/api/v1/admin/members': {
      get: op({ id: 'adminListMembers', summary: 'Members, active and deactivated (成员单位管理); admin role', params: [query('kind', 'only this kind', { type: 'string', enum: KINDS }), query('active', 'only active (true) or deactivated (false)', { type: 'boolean' }), ...LIST], ok: { 200: json('a page of members', ref('AdminMemberPage')) }, errors: LIST_ERRORS }),
      post: op({ id: 'adminCreateMember', summary: 'Add a member (and optionally its webhook); admin role', description: 'The USCC check character is verified (GB 32100). The adapter config is checked as at start; a refusal names the key with the one line a start would print. A webhook given here is created with it (its requests are signed with the gateway\'s key: RFC 9421, no shared secret).', body: { schema: ref('AdminMemberCreate') }, ok: ok('the member', ref('AdminMember'), 201), errors: [...WRITE, 'GW_ERR_REGISTRY_CONFLICT'] }),
    },
    '/api/v1/admin/members/{code}': {
      get: op({ id: 'adminGetMember', summary: 'One member; admin role', params: [memberParam], ok: { 200: json('the member', ref('AdminMember')) }, errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER'] }),
      patch: op({ id: 'adminUpdateMember', summary: 'Change a member; admin role', description: 'Only the fields given change; nothing is recorded when nothing differs. A bad adapter config is refused and the old binding stays.', params: [memberParam], body: { schema: ref('AdminMemberPatch') }, ok: ok('the member now', ref('AdminMember')), errors: [...WRITE, 'GW_ERR_REGISTRY_UNKNOWN_MEMBER'] }),
      delete: op({ id: 'adminDeactivateMember', summary: 'Deactivate a member; admin role', description: `${DEACTIVATES}; its system tokens are revoked and it takes part in no exchange. PATCH {"active": true} brings it back.`, params: [memberParam], ok: ok('the member now', ref('AdminMember')), errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_REGISTRY_INVALID'] }),
    },
    '/api/v1/admin/webhooks': {
      get: op({ id: 'adminListWebhooks', summary: "Members' webhook endpoints; admin role", params: [query('active', 'only active (true) or paused (false)', { type: 'boolean' }), ...LIST], ok: { 200: json('a page of webhooks', ref('WebhookPage')) }, errors: LIST_ERRORS }),
    },
    '/api/v1/admin/members/{code}/webhook': {
      get: op({ id: 'adminGetWebhook', summary: "A member's webhook; admin role", params: [memberParam], ok: { 200: json('the webhook', ref('Webhook')) }, errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_REGISTRY_NOT_FOUND'] }),
      put: op({ id: 'adminSetWebhook', summary: "Set a member's webhook (URL, active); admin role", description: 'The receiver authenticates the webhook requests by their HTTP Message Signature (RFC 9421) made with the gateway\'s log key (`GET /log/keys`); there is no shared secret.', params: [memberParam], body: { schema: ref('WebhookSet') }, ok: ok('the webhook', ref('Webhook')), errors: [...WRITE, 'GW_ERR_REGISTRY_UNKNOWN_MEMBER'] }),
      delete: op({ id: 'adminRemoveWebhook', summary: "Remove a member's webhook; admin role", description: 'Refused (GW_ERR_REGISTRY_INVALID) while the member is delivered by push.', params: [memberParam], ok: noContent('removed'), errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_REGISTRY_NOT_FOUND', 'GW_ERR_REGISTRY_INVALID'] }),
    },
    '/api/v1/admin/members/{code}/delivery': {
      get: op({ id: 'adminGetReceiverDelivery', summary: "Whether a member's push deliveries are paused; admin role", params: [memberParam], ok: { 200: json('the delivery state', ref('ReceiverDelivery')) }, errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER'] }),
    },
    '/api/v1/admin/members/{code}/delivery/pause': {
      post: op({ id: 'adminPauseDelivery', summary: "Pause a member's push deliveries; admin role", description: 'No gateway process starts an attempt for it until resumed (attempts in flight finish); its messages wait with their attempts untouched. Recorded in the signed log (delivery paused); pausing a paused member records nothing.', params: [memberParam], ok: ok('the delivery state', ref('ReceiverDelivery')), errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER'] }),
    },
    '/api/v1/admin/members/{code}/delivery/resume': {
      post: op({ id: 'adminResumeDelivery', summary: "Resume a member's push deliveries; admin role", description: 'Its due messages go at once. Recorded in the signed log (delivery resumed).', params: [memberParam], ok: ok('the delivery state', ref('ReceiverDelivery')), errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER'] }),
    },
    '/api/v1/admin/systems': {
      get: op({ id: 'adminListSystems', summary: "Members' information systems (业务系统); admin role", params: [query('member', 'only this member', { type: 'string', pattern: CODE }), ...LIST], ok: { 200: json('a page of systems', ref('SystemPage')) }, errors: LIST_ERRORS }),
      post: op({ id: 'adminCreateSystem', summary: 'Add a system to a member; admin role', body: { schema: ref('SystemCreate') }, ok: ok('the system', ref('System'), 201), errors: [...WRITE, 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_REGISTRY_CONFLICT'] }),
    },
    '/api/v1/admin/systems/{member}/{system}': {
      get: op({ id: 'adminGetSystem', summary: 'One system; admin role', params: systemParams, ok: { 200: json('the system', ref('System')) }, errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_NOT_FOUND'] }),
      patch: op({ id: 'adminUpdateSystem', summary: 'Rename, retire or bring back a system; admin role', params: systemParams, body: { schema: ref('SystemPatch') }, ok: ok('the system now', ref('System')), errors: [...WRITE, 'GW_ERR_REGISTRY_NOT_FOUND'] }),
      delete: op({ id: 'adminRetireSystem', summary: 'Retire a system; admin role', description: `${DEACTIVATES} (retired) and its tokens are revoked.`, params: systemParams, ok: ok('the system now', ref('System')), errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_NOT_FOUND'] }),
    },
    '/api/v1/admin/systems/{member}/{system}/tokens': {
      post: op({ id: 'adminIssueToken', summary: 'Issue a bearer token for a system; admin role', description: 'The clear token is in this answer only; the gateway stores its hash.', params: systemParams, body: { schema: ref('TokenIssue'), required: false }, ok: ok('the token, shown once', ref('IssuedToken'), 201), errors: [...WRITE, 'GW_ERR_REGISTRY_NOT_FOUND'] }),
    },
    '/api/v1/admin/tokens': {
      get: op({ id: 'adminListTokens', summary: 'System tokens (id, hint, label, state; never the token); admin role', params: [query('member', 'only this member', { type: 'string', pattern: CODE }), query('system', 'only this system code', { type: 'string', pattern: CODE }), query('active', 'only active (true) or revoked (false)', { type: 'boolean' }), ...LIST], ok: { 200: json('a page of tokens', ref('TokenPage')) }, errors: LIST_ERRORS }),
    },
    '/api/v1/admin/tokens/{id}': {
      delete: op({ id: 'adminRevokeToken', summary: 'Revoke a token (every gateway process stops accepting it at once); admin role', params: [idParam], ok: noContent('revoked'), errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_NOT_FOUND'] }),
    },
    '/api/v1/admin/agreements': {
      get: op({ id: 'adminListAgreements', summary: 'Exchange agreements (交换协议); admin role', params: [query('sender', 'only this sender', { type: 'string', pattern: CODE }), query('receiver', 'only this receiver', { type: 'string', pattern: CODE }), query('messageType', 'only this message type or service', { type: 'string', pattern: '^[a-z][a-z0-9-]{1,63}$' }), ...LIST], ok: { 200: json('a page of agreements', ref('AgreementPage')) }, errors: LIST_ERRORS }),
      post: op({ id: 'adminCreateAgreement', summary: 'Let a sender send a message type (or call a service) to a receiver for purposes, in a period; admin role', body: { schema: ref('AgreementCreate') }, ok: ok('the agreement', ref('Agreement'), 201), errors: [...WRITE, 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_REGISTRY_CONFLICT'] }),
    },
    '/api/v1/admin/agreements/{id}': {
      get: op({ id: 'adminGetAgreement', summary: 'One agreement; admin role', params: [idParam], ok: { 200: json('the agreement', ref('Agreement')) }, errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_NOT_FOUND'] }),
      patch: op({ id: 'adminUpdateAgreement', summary: "Change an agreement's purposes or validity; admin role", params: [idParam], body: { schema: ref('AgreementPatch') }, ok: ok('the agreement now', ref('Agreement')), errors: [...WRITE, 'GW_ERR_REGISTRY_NOT_FOUND'] }),
      delete: op({ id: 'adminDeleteAgreement', summary: 'Delete an agreement; admin role', description: 'Agreements are deleted (messages exchanged under one keep their own records and log entries); to stop one for a time, set validTo.', params: [idParam], ok: noContent('deleted'), errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_NOT_FOUND'] }),
    },
    '/api/v1/admin/users': {
      get: op({ id: 'adminListUsers', summary: 'People and their roles; admin role', params: [query('role', 'only this role', { type: 'string', enum: [...ROLES] }), query('department', 'only this member', { type: 'string', pattern: CODE }), query('active', 'only active (true) or disabled (false)', { type: 'boolean' }), ...LIST], ok: { 200: json('a page of users', ref('UserPage')) }, errors: LIST_ERRORS }),
      post: op({ id: 'adminCreateUser', summary: 'Add a person with a role; admin role', description: 'Without a password one is generated and answered once.', body: { schema: ref('UserCreate') }, ok: ok('the user', ref('AdminUser'), 201), errors: [...WRITE, 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_REGISTRY_CONFLICT'] }),
    },
    '/api/v1/admin/users/{login}': {
      get: op({ id: 'adminGetUser', summary: 'One person; admin role', params: [loginParam], ok: { 200: json('the user', ref('AdminUser')) }, errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_NOT_FOUND'] }),
      patch: op({ id: 'adminUpdateUser', summary: "Change a person's name, role, department or password; admin role", description: 'Any change ends the sessions of that login.', params: [loginParam], body: { schema: ref('UserPatch') }, ok: ok('the user now', ref('AdminUser')), errors: [...WRITE, 'GW_ERR_REGISTRY_NOT_FOUND', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER'] }),
      delete: op({ id: 'adminDisableUser', summary: 'Disable a login; admin role', description: `${DEACTIVATES} (disabled) and its sessions end.`, params: [loginParam], ok: ok('the user now', ref('AdminUser')), errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_NOT_FOUND'] }),
    },
    '/api/v1/admin/registry': {
      get: op({ id: 'adminExportRegistry', summary: 'The whole registry as one document (xgw registry export); no secrets; admin role', ok: { 200: json('the registry', ref('RegistryDocument')) }, errors: ['GW_ERR_AUTH_FORBIDDEN'] }),
    },
    '/api/v1/admin/registry/apply': {
      post: op({
        id: 'adminApplyRegistry',
        summary: 'Make the registry what a document says, in one transaction (xgw registry apply); admin role',
        description: 'Creates and changes what differs; members, systems and users the document no longer names are deactivated, agreements deleted. Applying the same document twice changes nothing. With ?dryRun=true the changes are listed and nothing is kept.',
        params: [query('dryRun', 'list the changes only', { type: 'boolean', default: false })],
        body: { schema: ref('RegistryDocument') },
        ok: ok('the changes', ref('ApplyResult')),
        errors: [...WRITE, 'GW_ERR_REGISTRY_UNKNOWN_MEMBER'],
      }),
    },
  } satisfies Record<string, Record<string, Op>>;
}

export function adminSchemas(): Json {
  const webhook = { type: 'object', required: ['member', 'url', 'active'], properties: { member: code('member code'), url, active: bool('deliveries go to it') } };
  const system = { type: 'object', required: ['member', 'code', 'name', 'active', 'activeTokens'], properties: { member: code('member code'), code: code('system code'), name: str('name'), active: bool('not retired'), activeTokens: count('tokens not revoked') } };
  const token = {
    type: 'object',
    required: ['id', 'member', 'system', 'hint', 'label', 'createdAt', 'revokedAt'],
    properties: { id: str('token id', { format: 'uuid' }), member: code('member'), system: code('system'), hint: str('last four characters'), label: str('what it is for'), createdAt: time('issued'), revokedAt: optionalTime('revoked') },
  };
  const agreement = { type: 'object', required: ['id', 'sender', 'receiver', 'messageType', 'purposes', 'validFrom', 'validTo'], properties: { id: str('agreement id', { format: 'uuid' }), ...agreementCreateSchema.properties } };
  const user = { type: 'object', required: ['login', 'name', 'role', 'department', 'active'], properties: { login: str('login'), name: str('姓名'), role: { type: 'string', enum: [...ROLES] }, department: code('member code'), active: bool('may log in'), password: str('the generated password: in this answer only') } };
  const member = {
    type: 'object',
    required: ['code', 'name', 'kind', 'uscc', 'adapter', 'adapterConfig', 'deliveryMode', 'keyAlg', 'active'],
    properties: { code: code('member code'), name: str('成员单位名称'), kind: { type: 'string', enum: KINDS }, uscc: str('统一社会信用代码'), adapter: str('adapter'), adapterConfig: { type: 'object' }, deliveryMode: { type: 'string', enum: ['push', 'pull'] }, keyAlg: { type: 'string', enum: [...KEY_ALGS] }, active: bool('takes part in exchanges'), webhook: { ...webhook, description: 'the webhook created with it' } },
  };
  return {
    AdminMember: member,
    AdminMemberPage: page(ref('AdminMember'), 'members'),
    AdminMemberCreate: memberCreateSchema,
    AdminMemberPatch: memberPatchSchema,
    Webhook: webhook,
    WebhookPage: page(ref('Webhook'), 'webhooks'),
    WebhookSet: webhookSetSchema,
    ReceiverDelivery: {
      type: 'object',
      required: ['member', 'paused', 'pausedAt', 'pausedBy'],
      properties: { member: code('member code'), paused: bool('no attempt starts while paused'), pausedAt: optionalTime('paused since'), pausedBy: nullable(str('who paused it')) },
    },
    System: system,
    SystemPage: page(ref('System'), 'systems'),
    SystemCreate: systemCreateSchema,
    SystemPatch: systemPatchSchema,
    TokenIssue: tokenIssueSchema,
    Token: token,
    TokenPage: page(ref('Token'), 'tokens'),
    IssuedToken: { ...token, required: [...token.required, 'token'], properties: { ...token.properties, token: str('the bearer token: in this answer only') } },
    Agreement: agreement,
    AgreementPage: page(ref('Agreement'), 'agreements'),
    AgreementCreate: agreementCreateSchema,
    AgreementPatch: agreementPatchSchema,
    AdminUser: user,
    UserPage: page(ref('AdminUser'), 'users'),
    UserCreate: userCreateSchema,
    UserPatch: userPatchSchema,
    RegistryDocument: registryDocumentSchema,
    ApplyResult: {
      type: 'object',
      required: ['dryRun', 'changes', 'issued'],
      properties: {
        dryRun: bool('nothing was kept'),
        changes: { type: 'array', items: { type: 'object', required: ['object', 'action', 'key'], properties: { object: { type: 'string', enum: [...REGISTRY_OBJECTS] }, action: { type: 'string', enum: [...REGISTRY_ACTIONS] }, key: str('member code, member/system, id or login'), fields: { type: 'array', items: { type: 'string' } } } } },
        issued: { type: 'array', description: 'passwords issued (new users), shown once', items: { type: 'object', required: ['object', 'key', 'secret'], properties: { object: { type: 'string', enum: ['user'] }, key: str('login'), secret: str('password') } } },
      },
    },
  };
}

/** POST /admin/members as the route reads it. */
export interface MemberCreate {
  code: string;
  name: string;
  kind: 'hall' | 'municipal' | 'vertical' | 'station';
  uscc: string;
  adapter: string;
  adapterConfig?: Record<string, unknown>;
  deliveryMode?: 'push' | 'pull';
  keyAlg?: (typeof KEY_ALGS)[number];
  webhook?: { url: string; active?: boolean };
}
