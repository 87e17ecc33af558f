// Streaming enveloped XMLDSig in the TMAD 10.1 profile: canonicalisation, signing, verification.
export * from './profile.js';
export {
  C14nRenderer,
  C14nWriter,
  DocumentC14nSink,
  ElementC14nSink,
  canonicalizeString,
  c14nAttr,
  c14nText,
  type C14nMode,
  type C14nOutput,
} from './c14n.js';
export {
  buildSignatureElement,
  signXmlFile,
  signXmlString,
  XmlSignError,
  type XmlSignOptions,
} from './sign.js';
export {
  createSignatureVerifier,
  verifyXml,
  verifyXmlFile,
  type XmlSignatureProblem,
  type XmlSignatureVerdict,
  type XmlVerifyOptions,
} from './verify.js';
