import type { RequestSigner } from '../../adapters/types';
import type { Clock } from '../clock';
import type { Signer } from '../crypto/sign';
import { signHttpRequest } from '../crypto/http-signature';

/**
 * The gateway's webhook signer: RFC 9421 with the log key (the key of GET /api/v1/log/key,
 * read per request so a rotated key signs at once), `created` from the gateway's clock.
 */
export const webhookSigner =
  (signer: () => Signer, clock: Clock): RequestSigner =>
  (req) =>
    signHttpRequest(signer(), req, { now: clock.now(), nonce: req.nonce });
