import { Agent } from 'undici';

/**
 * The one way adapters open outbound HTTP connection pools (SOAP calls, webhook deliveries):
 * undici's Agent with keep-alive (sockets idle longer than 4 s are closed) and its own header and
 * body timeouts off, because every caller bounds the whole exchange with its own deadline
 * (connecting, waiting and reading), so that one limit, the caller's, is the one that applies.
 */
export const deadlineAgent = (): Agent => new Agent({ keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 });
