import * as m001 from './001_foundation';
import * as m002 from './002_trust';
import * as m003 from './003_adapters';
import * as m004 from './004_storage';
import * as m005 from './005_delivery_ambiguity';
import * as m006 from './006_login_throttle';
import * as m007 from './007_documents';
import * as m008 from './008_console';
import * as m009 from './009_witnessed_checkpoints';
import * as m011 from './011_registry_admin';
import * as m014 from './014_cases';
import * as m015 from './015_supervision';
import * as m016 from './016_case_stats';
import * as m017 from './017_certificate_lifecycle';
import * as m018 from './018_delivery_status';
import * as m019 from './019_station_packages';
import * as m020 from './020_retention';
import * as m021 from './021_receiver_delivery';
import * as m023 from './023_attachment_use';
import * as m024 from './024_drop_webhook_secret';
import * as m025 from './025_station_answers';
import * as m026 from './026_receipt_signatures';
import * as m027 from './027_one_arrival_event';
import * as m029 from './029_retention_calls_attachments';
import * as m030 from './030_hot_path_keys';
import * as m031 from './031_outbox_claim_indexes';
import * as m032 from './032_delivery_requests';
import * as m033 from './033_bodies_and_signatures_json';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append only: a released migration is never edited, a new one is added. */
export const migrations: Migration[] = [
  { version: 1, name: 'foundation', sql: m001.sql },
  { version: 2, name: 'trust', sql: m002.sql },
  { version: 3, name: 'adapters', sql: m003.sql },
  { version: 4, name: 'storage', sql: m004.sql },
  { version: 5, name: 'delivery ambiguity', sql: m005.sql },
  { version: 6, name: 'login throttle', sql: m006.sql },
  { version: 7, name: 'documents', sql: m007.sql },
  { version: 8, name: 'console', sql: m008.sql },
  { version: 9, name: 'witnessed checkpoints', sql: m009.sql },
  { version: 11, name: 'registry admin', sql: m011.sql },
  { version: 14, name: 'cases', sql: m014.sql },
  { version: 15, name: 'supervision', sql: m015.sql },
  { version: 16, name: 'case stats', sql: m016.sql },
  { version: 17, name: 'certificate lifecycle', sql: m017.sql },
  { version: 18, name: 'delivery status', sql: m018.sql },
  { version: 19, name: 'station packages', sql: m019.sql },
  { version: 20, name: 'retention', sql: m020.sql },
  { version: 21, name: 'receiver delivery', sql: m021.sql },
  { version: 23, name: 'attachment use', sql: m023.sql },
  { version: 24, name: 'drop webhook secret', sql: m024.sql },
  { version: 25, name: 'station answers', sql: m025.sql },
  { version: 26, name: 'receipt signatures', sql: m026.sql },
  { version: 27, name: 'one arrival event', sql: m027.sql },
  { version: 29, name: 'retention of service calls and attachments', sql: m029.sql },
  { version: 30, name: 'hot path keys', sql: m030.sql },
  { version: 31, name: 'outbox claim indexes', sql: m031.sql },
  { version: 32, name: 'delivery requests', sql: m032.sql },
  { version: 33, name: 'message bodies and receipt signatures as json', sql: m033.sql },
];
