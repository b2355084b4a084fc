// The adapters' transient failures become ServiceUnavailableError (a 503 problem, not a 500): found by
// test/reliability/faults.test.ts (the Cosmos server killed under load answered 500s).
import { ServiceUnavailableError } from '../../shared/domain/errors';
import { isTransientFailure, transientAsUnavailable } from '../../shared/adapters/transientFailure';

const coded = (code: string | number, message = 'failed') => Object.assign(new Error(message), { code });

describe('transient failures of the Azure SDKs', () => {
  it.each([
    ['a refused connection (RestError code)', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8081')],
    ['a dropped connection', coded('ECONNRESET', 'socket hang up')],
    ['the SDK timeout', Object.assign(new Error('Timeout'), { name: 'TimeoutError' })],
    ['Cosmos 503', coded(503)],
    ['Storage 503 (statusCode)', Object.assign(new Error('ServerBusy'), { statusCode: 503 })],
    ["the Cosmos batch's wrapped error", new Error('Batch request error: socket hang up')],
    ["the Cosmos batch's wrapped refusal", new Error('Batch request error: connect ECONNREFUSED 127.0.0.1:8081')],
  ])('%s is transient', (_what, error) => {
    expect(isTransientFailure(error)).toBe(true);
  });

  it.each([
    ['a conflict', coded(409)],
    ['a bad request', Object.assign(new Error('Bad'), { statusCode: 400 })],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['another batch failure', new Error('Batch request error: Request size is too large')],
  ])('%s is not', (_what, error) => {
    expect(isTransientFailure(error)).toBe(false);
  });

  it('turns a transient failure into ServiceUnavailableError (503) and leaves the others as they are', async () => {
    const unavailable = transientAsUnavailable('database', () => Promise.reject(coded('ECONNREFUSED')));
    await expect(unavailable).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(unavailable).rejects.toMatchObject({ status: 503, message: expect.stringContaining('database') });
    const bug = new TypeError('bug');
    await expect(transientAsUnavailable('database', () => Promise.reject(bug))).rejects.toBe(bug);
    await expect(transientAsUnavailable('database', async () => 7)).resolves.toBe(7);
  });
});
