import type { NextFunction, Request, Response } from 'express';
import { assertStorable } from '../schemas/storable';

/**
 * The one check for every JSON API request, right after the body is parsed (before
 * authentication, login included): the body and the query parameters. A query
 * parameter's pointer is its name (`/type`), as elsewhere in the API.
 */
export function refuseUnstorable() {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.body !== undefined && typeof req.body === 'object') assertStorable(req.body);
    if (req.url.includes('?')) assertStorable(req.query, '', 'a query parameter');
    next();
  };
}
