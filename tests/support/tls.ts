/** Certificates for tests: the same helper `toolforge-tracing local` uses for its HTTPS wiki. */
export { selfSignedCertificate, type TlsFiles } from '../../local/tls.js';
