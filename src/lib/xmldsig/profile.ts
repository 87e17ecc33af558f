// The TMAD 10.1 (Table 10.1, rows Signature and KeyInfo) XMLDSig profile.
//
//   Reference URI                ""   (the table's "un" is the extraction of a quoted empty string)
//   Transform Algorithm          http://www.w3.org/2000/09/xmldsig#enveloped-signature
//   CanonicalizationMethod       http://www.w3.org/2001/10/xml-exc-c14n#
//   SignatureMethod              http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256
//   DigestMethod                 http://www.w3.org/2001/04/xmlenc#sha256
//   KeyInfo                      one X509Data holding one X509IssuerSerial
//
// Placement (s1mig decision, docs/SPEC-DECISIONS.md): the ds:Signature is the LAST child of the root
// element of every signed file; the SMETS1 Migration Schema ends every root with it.
import { ALG_C14N, ALG_EXC_C14N, DSIG_NS } from './c14n.js';

export { ALG_C14N, ALG_EXC_C14N, DSIG_NS };
export const ALG_ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const ALG_ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';
export const ALG_SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** Rule names used in verdict problems. */
export const RULE = Object.freeze({
  /** Not well-formed / DOCTYPE / not UTF-8 (TMAD 5.9.1). */
  wellFormed: 'TMAD 5.9.1',
  /** The signature element or its algorithms do not follow TMAD 10.1 Table 10.1 "Signature". */
  signature: 'TMAD 10.1 Signature',
  /** KeyInfo is not exactly X509Data/X509IssuerSerial (TMAD 10.1 Table 10.1 "KeyInfo"). */
  keyInfo: 'TMAD 10.1 KeyInfo',
  /** Check Cryptographic Protection failed: digest or signature value, or signer key unknown (TMAD 5.9.2). */
  crypto: 'TMAD 5.9.2',
  /** Confirm Validity of the signer's certificate (TMAD 5.9.4). */
  validity: 'TMAD 5.9.4',
});

/**
 * Which Transforms the signer writes into the Reference:
 * - 'enveloped' (default): exactly the one Transform TMAD 10.1 lists; by XMLDSig 4.3.3.2 the
 *   resulting node-set is then digested in Canonical XML 1.0 (inclusive) form.
 * - 'enveloped+exc-c14n': enveloped-signature followed by exc-c14n, so the digest is over the exclusive
 *   canonical form too (the common practice). The verifier accepts both.
 */
export type ReferenceTransforms = 'enveloped' | 'enveloped+exc-c14n';
