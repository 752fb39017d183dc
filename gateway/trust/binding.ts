import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import type { Store } from '../store/db';
import { spkiDer, asRealSm2 } from '../crypto/keys';
import { layout, readIfExists, replaceFile } from '../../certs/files';

interface Marker {
  registry: string;
  rootKey: string;
}

/** SHA-256 of the root CA's SubjectPublicKeyInfo: survives re-issuing the root certificate with the same key. */
const rootKeyOf = (rootCertPem: string) => createHash('sha256').update(spkiDer(asRealSm2(new X509Certificate(rootCertPem).publicKey))).digest('hex');

const short = (hex: string) => `${hex.slice(0, 16)}…`;

/**
 * The PKI directory belongs to one registry: the database keeps the registry's id and
 * its root CA's key (registry_identity), the PKI directory names the registry it was
 * made for (<pkiDir>/registry.json). A start on a database whose registry was created
 * with another root, or with a PKI directory made for another registry, is refused
 * instead of signing with a root and log key that registry's verifiers do not trust.
 * The first start binds the two (a PKI made before the binding existed is adopted); a
 * new database never adopts a PKI directory already bound to a registry. A renewed root
 * (xgw certs renew-root) keeps the registry's first root among its previous ones.
 */
export async function bindPkiToRegistry(store: Store, pkiDir: string, rootCertPem: string, now: Date, previousRootPems: readonly string[] = []): Promise<void> {
  const rootKey = rootKeyOf(rootCertPem);
  // After xgw certs renew-root the registry's first root is one of the previous ones (ca/superseded/).
  const ownKeys = new Set([rootKey, ...previousRootPems.map(rootKeyOf)]);
  const file = layout.registryMarker(pkiDir);
  const text = readIfExists(file);
  const marker = text ? (JSON.parse(text) as Marker) : null;
  const identity = async () => (await store.query<{ id: string; root_key: string }>('SELECT id, root_key FROM registry_identity')).rows[0];
  let db = await identity();
  if (!db && marker) throw belongsElsewhere(pkiDir, marker, 'this new database');
  if (!db) {
    await store.query(`INSERT INTO registry_identity (id, root_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (singleton) DO NOTHING`, [randomUUID(), rootKey, now]);
    db = (await identity())!;
  }
  if (!ownKeys.has(db.root_key)) {
    throw new Error(
      `this database's registry ${db.id} was created with another root CA (key ${short(db.root_key)}), but trust.pkiDir ${pkiDir} holds root key ${short(rootKey)}: ` +
        "point trust.pkiDir at this registry's PKI directory (its signatures and evidence bundles are trusted under that root), or use a new database",
    );
  }
  if (marker && marker.registry !== db.id) throw belongsElsewhere(pkiDir, marker, `this database's registry ${db.id}`);
  if (!marker) replaceFile(file, JSON.stringify({ registry: db.id, rootKey } satisfies Marker, null, 2) + '\n', 0o644);
}

const belongsElsewhere = (pkiDir: string, marker: Marker, what: string) =>
  new Error(
    `the PKI directory ${pkiDir} belongs to registry ${marker.registry}, not to ${what}: give each registry its own trust.pkiDir ` +
      `(an empty directory gets a new PKI), or, if this database really is that registry's, remove ${layout.registryMarker(pkiDir)}`,
  );
