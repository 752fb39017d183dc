/**
 * Exchange-station packages (市电子公文交换站), both ways. Out: one package per external
 * addressee of a distributed 公文, sent by the outbox as the message `message_id` (its
 * deliveries, retries, dead letters and replay); the station's 回执/回退 settles the
 * addressee's receipt `receipt_id`. In: a package the station delivered, the 收文 document
 * it became; a second delivery of the same bytes is recognised as a duplicate here.
 */
export const sql = `
CREATE TABLE station_packages (
  direction    text NOT NULL CHECK (direction IN ('out','in')),
  package_id   text NOT NULL,                   -- 包标识
  sha256       text NOT NULL,                   -- of the package bytes as sent / received
  document_id  uuid NOT NULL REFERENCES documents(id),
  receipt_id   uuid REFERENCES document_receipts(id),
  message_id   uuid REFERENCES messages(id),
  peer         text NOT NULL REFERENCES members(code),  -- out: the addressee; in: the sender
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (direction, package_id)
);
CREATE INDEX station_packages_message ON station_packages (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX station_packages_document ON station_packages (document_id);
`;
