/** Registry, people, exchange and outbox: the foundation tables. */
export const sql = `
CREATE TABLE members (
  code          text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,31}$'),
  name          text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('hall','municipal','vertical','station')),
  uscc          text NOT NULL,
  adapter       text NOT NULL,
  delivery_mode text NOT NULL DEFAULT 'pull' CHECK (delivery_mode IN ('push','pull')),
  webhook_url   text,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE systems (
  id          uuid PRIMARY KEY,
  member_code text NOT NULL REFERENCES members(code),
  code        text NOT NULL,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (member_code, code)
);

CREATE TABLE system_tokens (
  id          uuid PRIMARY KEY,
  system_id   uuid NOT NULL REFERENCES systems(id),
  token_hash  text NOT NULL UNIQUE,
  hint        text NOT NULL,
  label       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);

CREATE TABLE agreements (
  id           uuid PRIMARY KEY,
  sender       text NOT NULL REFERENCES members(code),
  receiver     text NOT NULL REFERENCES members(code),
  message_type text NOT NULL,
  purposes     text[] NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sender, receiver, message_type)
);

CREATE TABLE users (
  id            uuid PRIMARY KEY,
  login         text NOT NULL UNIQUE,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('clerk','signer','auditor','supervisor','admin')),
  department    text NOT NULL REFERENCES members(code),
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);

CREATE TABLE user_sessions (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users(id),
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

CREATE TABLE login_attempts (
  id        bigserial PRIMARY KEY,
  login     text NOT NULL,
  remote    text NOT NULL DEFAULT '',
  ok        boolean NOT NULL,
  at        timestamptz NOT NULL
);
CREATE INDEX login_attempts_recent ON login_attempts (login, at) WHERE NOT ok;

-- One row per counter; the exchange row is locked by every writing transaction,
-- so seq order is commit order (a stable inbox cursor and, later, the log order).
CREATE TABLE sequences (
  name  text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO sequences (name, value) VALUES ('exchange', 0);

CREATE TABLE messages (
  id             uuid PRIMARY KEY,
  seq            bigint NOT NULL UNIQUE,
  sender         text NOT NULL REFERENCES members(code),
  sender_system  text NOT NULL,
  receiver       text NOT NULL REFERENCES members(code),
  type           text NOT NULL,
  message_id     text NOT NULL,
  case_id        text,
  purpose        text NOT NULL,
  payload        jsonb NOT NULL,
  digest_alg     text NOT NULL,
  digest         text NOT NULL,
  request_digest text NOT NULL,
  receipt        jsonb NOT NULL,
  status         text NOT NULL CHECK (status IN ('received','queued','delivered','acknowledged','rejected','failed','dead_lettered')),
  received_at    timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  UNIQUE (sender, message_id)
);
CREATE INDEX messages_inbox ON messages (receiver, seq);
CREATE INDEX messages_case ON messages (case_id) WHERE case_id IS NOT NULL;

CREATE TABLE message_events (
  id          bigserial PRIMARY KEY,
  message_id  uuid NOT NULL REFERENCES messages(id),
  event       text NOT NULL CHECK (event IN ('received','queued','delivered','delivery_failed','dead_lettered','acknowledged','rejected','replayed')),
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX message_events_message ON message_events (message_id, id);

CREATE TABLE deliveries (
  id              uuid PRIMARY KEY,
  message_id      uuid NOT NULL UNIQUE REFERENCES messages(id),
  receiver        text NOT NULL,
  mode            text NOT NULL CHECK (mode IN ('push','pull')),
  status          text NOT NULL CHECK (status IN ('pending','in_flight','delivered','dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_until    timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending','in_flight') AND mode = 'push';
`;
