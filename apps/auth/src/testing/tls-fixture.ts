/**
 * A self-signed certificate for 127.0.0.1/localhost (valid until 2126), for tests that need an
 * https URL on loopback: MCP clients only use https URLs as client metadata documents. Auth trusts
 * it through CIMD_CA_CERTS in those tests. Test-only key material; never used outside tests.
 */
export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBvDCCAWGgAwIBAgIUSD0y2XV/FpazTfPBAkh8QmtyXQIwCgYIKoZIzj0EAwIw
JDEiMCAGA1UEAwwZcG9ydGN1bGxpcy10ZXN0LWxvY2FsaG9zdDAgFw0yNjExMzAx
MDU3NTZaGA8yMTI2MTEwNjEwNTc1NlowJDEiMCAGA1UEAwwZcG9ydGN1bGxpcy10
ZXN0LWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFCbUV3KmCdN
vs7R+u/1E8AWGK+Zsgmc/TJuw3ZqdxfCotKgzuke8S+TXOUYJa6QUb6SMLGEwM6s
hLyJrrSwDSujbzBtMB0GA1UdDgQWBBTuqG8wf+ILCCw8NgssuydLTiKyejAfBgNV
HSMEGDAWgBTuqG8wf+ILCCw8NgssuydLTiKyejAaBgNVHREEEzARhwR/AAABggls
b2NhbGhvc3QwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAyqfd
I3mcv5t9WC7iPS8sun5ti5GfJpnIV1jaW5ydVL4CIQDFmLcHI7YESP8dcIFJE13p
ZFU3CN+NqpJVzXYNSnd7zw==
-----END CERTIFICATE-----
`;

export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzPYxmN+ZYOyM5/dv
Rfg3z1j+9pwSguxXvCO2zu4A2K6hRANCAARQm1FdypgnTb7O0frv9RPAFhivmbIJ
nP0ybsN2ancXwqLSoM7pHvEvk1zlGCWukFG+kjCxhMDOrIS8ia60sA0r
-----END PRIVATE KEY-----
`;
