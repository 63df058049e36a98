import { describe, expect, it } from 'vitest';
import { amzDate, EMPTY_SHA256, signV4, uriEncode } from './sigv4.js';

// Published AWS examples: the S3 "GET Object" example (Amazon S3 API reference, "Signature
// calculations for the Authorization header") and `get-vanilla-query-order-key-case` from the
// Signature Version 4 test suite.
describe('signV4', () => {
  it('reproduces the S3 GET Object example signature', () => {
    const authorization = signV4(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        headers: { Range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': '20130524T000000Z' },
        payloadHash: EMPTY_SHA256,
        region: 'us-east-1',
        service: 's3',
        amzDate: '20130524T000000Z',
      },
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    );
    expect(authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('sorts query parameters (test suite: get-vanilla-query-order-key-case)', () => {
    const authorization = signV4(
      {
        method: 'GET',
        url: new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1'),
        headers: { 'X-Amz-Date': '20150830T123600Z' },
        payloadHash: EMPTY_SHA256,
        region: 'us-east-1',
        service: 'service',
        amzDate: '20150830T123600Z',
      },
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    );
    expect(authorization).toContain('SignedHeaders=host;x-amz-date,');
    expect(authorization).toMatch(/Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/);
  });

  it('formats x-amz-date and encodes reserved characters', () => {
    expect(amzDate(new Date('2013-05-24T00:00:00.123Z'))).toBe('20130524T000000Z');
    expect(uriEncode("a b/c*'!~")).toBe('a%20b%2Fc%2A%27%21~');
  });
});
