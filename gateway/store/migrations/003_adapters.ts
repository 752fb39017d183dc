/** Adapters: converted messages' native form and provenance, synchronous service calls. */
export const sql = `
ALTER TABLE messages ADD COLUMN conversion jsonb;

CREATE TABLE service_calls (
  id              uuid PRIMARY KEY,
  caller          text NOT NULL REFERENCES members(code),
  caller_system   text NOT NULL,
  provider        text NOT NULL REFERENCES members(code),
  service         text NOT NULL,
  purpose         text NOT NULL,
  case_id         text,
  request         jsonb NOT NULL,
  response        jsonb,
  outcome         text NOT NULL CHECK (outcome IN ('ok','failed')),
  error_code      text,
  error_detail    text,
  native_request  text,
  native_response text,
  provenance      jsonb,
  started_at      timestamptz NOT NULL,
  duration_ms     integer NOT NULL
);
CREATE INDEX service_calls_caller ON service_calls (caller, started_at);
CREATE INDEX service_calls_case ON service_calls (case_id) WHERE case_id IS NOT NULL;
`;
