import { GatewayError } from '../errors/gateway-error.js';
import type { VendorFailure } from './translator.js';

/** The classification of failures that never got an HTTP status; the same for every vendor. */
export function transportFailure(failure: Exclude<VendorFailure, { kind: 'http' }>): GatewayError {
  switch (failure.kind) {
    case 'timeout':
      return new GatewayError('timeout', failure.message);
    case 'connection':
      return new GatewayError('connection', failure.message);
    case 'malformed':
      return new GatewayError('server_error', failure.message);
    case 'aborted':
      return new GatewayError('cancelled', failure.message);
  }
}
